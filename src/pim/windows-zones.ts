// Windows time zone names and the IANA zones they stand for (after CLDR's windowsZones.xml: the first
// zone of each entry is the territory-001 default). Windows clients and Exchange put these names in the
// StandardName/DaylightName of a TimeZone blob (MS-ASDTYPE 2.7.6), and some clients look a zone up by
// them, so a blob we build for a known zone carries them. The list is also the candidate set, in
// order, when a blob is matched back to an IANA zone by its rule. Pure data.

export interface WindowsZone {
  standard: string;
  daylight: string;
  /** IANA zones with this Windows zone's clock; the first is the default. */
  iana: readonly string[];
}

const z = (standard: string, iana: readonly string[], daylight = standard.replace('Standard Time', 'Daylight Time')): WindowsZone => ({ standard, daylight, iana });

export const WINDOWS_ZONES: readonly WindowsZone[] = [
  z('UTC', ['UTC', 'Etc/GMT'], 'UTC'),
  z('GMT Standard Time', ['Europe/London', 'Europe/Dublin', 'Europe/Lisbon', 'Atlantic/Canary', 'Atlantic/Madeira', 'Atlantic/Faroe']),
  z('Greenwich Standard Time', ['Atlantic/Reykjavik', 'Africa/Abidjan', 'Africa/Accra', 'Africa/Dakar']),
  z('W. Europe Standard Time', ['Europe/Berlin', 'Europe/Rome', 'Europe/Amsterdam', 'Europe/Vienna', 'Europe/Zurich', 'Europe/Stockholm', 'Europe/Oslo', 'Europe/Luxembourg', 'Europe/Monaco', 'Europe/Malta', 'Europe/San_Marino', 'Europe/Vatican', 'Europe/Andorra', 'Europe/Gibraltar']),
  z('Romance Standard Time', ['Europe/Paris', 'Europe/Madrid', 'Europe/Brussels', 'Europe/Copenhagen']),
  z('Central Europe Standard Time', ['Europe/Budapest', 'Europe/Prague', 'Europe/Bratislava', 'Europe/Ljubljana', 'Europe/Belgrade', 'Europe/Tirane']),
  z('Central European Standard Time', ['Europe/Warsaw', 'Europe/Zagreb', 'Europe/Sarajevo', 'Europe/Skopje']),
  z('W. Central Africa Standard Time', ['Africa/Lagos', 'Africa/Algiers', 'Africa/Tunis', 'Africa/Kinshasa']),
  z('Morocco Standard Time', ['Africa/Casablanca']),
  z('GTB Standard Time', ['Europe/Bucharest', 'Europe/Athens', 'Asia/Nicosia']),
  z('FLE Standard Time', ['Europe/Kiev', 'Europe/Helsinki', 'Europe/Riga', 'Europe/Sofia', 'Europe/Tallinn', 'Europe/Vilnius']),
  z('E. Europe Standard Time', ['Europe/Chisinau']),
  z('Israel Standard Time', ['Asia/Jerusalem']),
  z('Egypt Standard Time', ['Africa/Cairo']),
  z('South Africa Standard Time', ['Africa/Johannesburg', 'Africa/Maputo', 'Africa/Harare']),
  z('Turkey Standard Time', ['Europe/Istanbul']),
  z('Russian Standard Time', ['Europe/Moscow', 'Europe/Simferopol']),
  z('Arabic Standard Time', ['Asia/Baghdad']),
  z('Arab Standard Time', ['Asia/Riyadh', 'Asia/Kuwait', 'Asia/Qatar', 'Asia/Bahrain', 'Asia/Aden']),
  z('E. Africa Standard Time', ['Africa/Nairobi', 'Africa/Addis_Ababa', 'Africa/Dar_es_Salaam', 'Africa/Kampala']),
  z('Iran Standard Time', ['Asia/Tehran']),
  z('Arabian Standard Time', ['Asia/Dubai', 'Asia/Muscat']),
  z('Azerbaijan Standard Time', ['Asia/Baku']),
  z('Georgian Standard Time', ['Asia/Tbilisi']),
  z('Caucasus Standard Time', ['Asia/Yerevan']),
  z('Afghanistan Standard Time', ['Asia/Kabul']),
  z('Pakistan Standard Time', ['Asia/Karachi']),
  z('West Asia Standard Time', ['Asia/Tashkent']),
  z('India Standard Time', ['Asia/Calcutta', 'Asia/Kolkata']),
  z('Sri Lanka Standard Time', ['Asia/Colombo']),
  z('Nepal Standard Time', ['Asia/Katmandu', 'Asia/Kathmandu']),
  z('Central Asia Standard Time', ['Asia/Almaty']),
  z('Bangladesh Standard Time', ['Asia/Dhaka']),
  z('Myanmar Standard Time', ['Asia/Rangoon', 'Asia/Yangon']),
  z('SE Asia Standard Time', ['Asia/Bangkok', 'Asia/Jakarta', 'Asia/Saigon', 'Asia/Ho_Chi_Minh']),
  z('China Standard Time', ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Macau']),
  z('Singapore Standard Time', ['Asia/Singapore', 'Asia/Kuala_Lumpur', 'Asia/Manila']),
  z('Taipei Standard Time', ['Asia/Taipei']),
  z('W. Australia Standard Time', ['Australia/Perth']),
  z('Tokyo Standard Time', ['Asia/Tokyo']),
  z('Korea Standard Time', ['Asia/Seoul']),
  z('Cen. Australia Standard Time', ['Australia/Adelaide']),
  z('AUS Central Standard Time', ['Australia/Darwin']),
  z('E. Australia Standard Time', ['Australia/Brisbane']),
  z('AUS Eastern Standard Time', ['Australia/Sydney', 'Australia/Melbourne', 'Australia/Canberra']),
  z('Tasmania Standard Time', ['Australia/Hobart']),
  z('West Pacific Standard Time', ['Pacific/Port_Moresby', 'Pacific/Guam']),
  z('Vladivostok Standard Time', ['Asia/Vladivostok']),
  z('Central Pacific Standard Time', ['Pacific/Guadalcanal', 'Pacific/Noumea']),
  z('New Zealand Standard Time', ['Pacific/Auckland']),
  z('Fiji Standard Time', ['Pacific/Fiji']),
  z('Tonga Standard Time', ['Pacific/Tongatapu']),
  z('Samoa Standard Time', ['Pacific/Apia']),
  z('Line Islands Standard Time', ['Pacific/Kiritimati']),
  z('Azores Standard Time', ['Atlantic/Azores']),
  z('Cape Verde Standard Time', ['Atlantic/Cape_Verde']),
  z('UTC-02', ['Etc/GMT+2', 'America/Noronha'], 'UTC-02'),
  z('Greenland Standard Time', ['America/Godthab', 'America/Nuuk']),
  z('E. South America Standard Time', ['America/Sao_Paulo']),
  z('Argentina Standard Time', ['America/Buenos_Aires', 'America/Argentina/Buenos_Aires']),
  z('SA Eastern Standard Time', ['America/Cayenne', 'America/Fortaleza']),
  z('Montevideo Standard Time', ['America/Montevideo']),
  z('Newfoundland Standard Time', ['America/St_Johns']),
  z('Atlantic Standard Time', ['America/Halifax', 'Atlantic/Bermuda']),
  z('SA Western Standard Time', ['America/La_Paz', 'America/Puerto_Rico', 'America/Santo_Domingo']),
  z('Venezuela Standard Time', ['America/Caracas']),
  z('Pacific SA Standard Time', ['America/Santiago']),
  z('Paraguay Standard Time', ['America/Asuncion']),
  z('Eastern Standard Time', ['America/New_York', 'America/Toronto', 'America/Detroit', 'America/Nassau']),
  z('US Eastern Standard Time', ['America/Indianapolis', 'America/Indiana/Indianapolis']),
  z('SA Pacific Standard Time', ['America/Bogota', 'America/Lima', 'America/Panama', 'America/Jamaica']),
  z('Eastern Standard Time (Mexico)', ['America/Cancun']),
  z('Cuba Standard Time', ['America/Havana']),
  z('Central Standard Time', ['America/Chicago', 'America/Winnipeg']),
  z('Central Standard Time (Mexico)', ['America/Mexico_City', 'America/Monterrey']),
  z('Canada Central Standard Time', ['America/Regina']),
  z('Central America Standard Time', ['America/Guatemala', 'America/Costa_Rica', 'America/El_Salvador']),
  z('Mountain Standard Time', ['America/Denver', 'America/Edmonton', 'America/Boise']),
  z('US Mountain Standard Time', ['America/Phoenix']),
  z('Pacific Standard Time', ['America/Los_Angeles', 'America/Vancouver']),
  z('Pacific Standard Time (Mexico)', ['America/Tijuana']),
  z('Alaskan Standard Time', ['America/Anchorage']),
  z('Hawaiian Standard Time', ['Pacific/Honolulu']),
  z('UTC-11', ['Etc/GMT+11', 'Pacific/Pago_Pago'], 'UTC-11'),
  z('Dateline Standard Time', ['Etc/GMT+12']),
];

const byIana = new Map<string, WindowsZone>();
for (const w of WINDOWS_ZONES) for (const id of w.iana) if (!byIana.has(id)) byIana.set(id, w);

/** The Windows zone whose names a blob for this IANA zone carries, if it is a known one. */
export function windowsZoneFor(iana: string): WindowsZone | undefined {
  return byIana.get(iana);
}
