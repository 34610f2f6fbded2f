// MS-ASWBXML 2.1.2.1.1 to 2.1.2.1.13: tag tokens of code pages 0 (AirSync) to 12 (Contacts2).
// `tags` are the tokens of the current specification (protocol versions 2.5 to 16.1). `legacy` are
// tokens that older revisions (EAS 2.5/12.x) defined and later removed; old devices still send them,
// so we decode them rather than answer 400. `binary` lists the elements whose content is a byte array
// (MS-ASDTYPE 2.7.1), which must travel as OPAQUE. Pure data: see code-pages.ts for the lookups.
import type { PageDef } from './page-def.js';

export const PAGES_0_12 = [
  {
    page: 0,
    name: 'AirSync',
    tags: {
      Sync: 0x05, Responses: 0x06, Add: 0x07, Change: 0x08, Delete: 0x09, Fetch: 0x0a, SyncKey: 0x0b,
      ClientId: 0x0c, ServerId: 0x0d, Status: 0x0e, Collection: 0x0f, Class: 0x10, CollectionId: 0x12,
      GetChanges: 0x13, MoreAvailable: 0x14, WindowSize: 0x15, Commands: 0x16, Options: 0x17,
      FilterType: 0x18, Conflict: 0x1b, Collections: 0x1c, ApplicationData: 0x1d, DeletesAsMoves: 0x1e,
      Supported: 0x20, SoftDelete: 0x21, MIMESupport: 0x22, MIMETruncation: 0x23, Wait: 0x24,
      Limit: 0x25, Partial: 0x26, ConversationMode: 0x27, MaxItems: 0x28, HeartbeatInterval: 0x29,
    },
    legacy: { Version: 0x11, Truncation: 0x19, RTFTruncation: 0x1a, NotifyGUID: 0x1f },
    binary: [],
  },
  {
    page: 1,
    name: 'Contacts',
    tags: {
      Anniversary: 0x05, AssistantName: 0x06, AssistantPhoneNumber: 0x07, Birthday: 0x08,
      Business2PhoneNumber: 0x0c, BusinessAddressCity: 0x0d, BusinessAddressCountry: 0x0e,
      BusinessAddressPostalCode: 0x0f, BusinessAddressState: 0x10, BusinessAddressStreet: 0x11,
      BusinessFaxNumber: 0x12, BusinessPhoneNumber: 0x13, CarPhoneNumber: 0x14, Categories: 0x15,
      Category: 0x16, Children: 0x17, Child: 0x18, CompanyName: 0x19, Department: 0x1a,
      Email1Address: 0x1b, Email2Address: 0x1c, Email3Address: 0x1d, FileAs: 0x1e, FirstName: 0x1f,
      Home2PhoneNumber: 0x20, HomeAddressCity: 0x21, HomeAddressCountry: 0x22,
      HomeAddressPostalCode: 0x23, HomeAddressState: 0x24, HomeAddressStreet: 0x25, HomeFaxNumber: 0x26,
      HomePhoneNumber: 0x27, JobTitle: 0x28, LastName: 0x29, MiddleName: 0x2a, MobilePhoneNumber: 0x2b,
      OfficeLocation: 0x2c, OtherAddressCity: 0x2d, OtherAddressCountry: 0x2e,
      OtherAddressPostalCode: 0x2f, OtherAddressState: 0x30, OtherAddressStreet: 0x31, PagerNumber: 0x32,
      RadioPhoneNumber: 0x33, Spouse: 0x34, Suffix: 0x35, Title: 0x36, WebPage: 0x37,
      YomiCompanyName: 0x38, YomiFirstName: 0x39, YomiLastName: 0x3a, Picture: 0x3c, Alias: 0x3d,
      WeightedRank: 0x3e,
    },
    legacy: { Body: 0x09, BodySize: 0x0a, BodyTruncated: 0x0b, Rtf: 0x3b },
    binary: [],
  },
  {
    page: 2,
    name: 'Email',
    tags: {
      DateReceived: 0x0f, DisplayTo: 0x11, Importance: 0x12, MessageClass: 0x13, Subject: 0x14,
      Read: 0x15, To: 0x16, Cc: 0x17, From: 0x18, ReplyTo: 0x19, AllDayEvent: 0x1a, Categories: 0x1b,
      Category: 0x1c, DtStamp: 0x1d, EndTime: 0x1e, InstanceType: 0x1f, BusyStatus: 0x20, Location: 0x21,
      MeetingRequest: 0x22, Organizer: 0x23, RecurrenceId: 0x24, Reminder: 0x25, ResponseRequested: 0x26,
      Recurrences: 0x27, Recurrence: 0x28, Type: 0x29, Until: 0x2a, Occurrences: 0x2b, Interval: 0x2c,
      DayOfWeek: 0x2d, DayOfMonth: 0x2e, WeekOfMonth: 0x2f, MonthOfYear: 0x30, StartTime: 0x31,
      Sensitivity: 0x32, TimeZone: 0x33, GlobalObjId: 0x34, ThreadTopic: 0x35, InternetCPID: 0x39,
      Flag: 0x3a, Status: 0x3b, ContentClass: 0x3c, FlagType: 0x3d, CompleteTime: 0x3e,
      DisallowNewTimeProposal: 0x3f,
    },
    legacy: {
      Attachment: 0x05, Attachments: 0x06, AttName: 0x07, AttSize: 0x08, Att0Id: 0x09, AttMethod: 0x0a,
      AttRemoved: 0x0b, Body: 0x0c, BodySize: 0x0d, BodyTruncated: 0x0e, DisplayName: 0x10,
      MIMEData: 0x36, MIMETruncated: 0x37, MIMESize: 0x38,
    },
    binary: [],
  },
  {
    // The whole page is obsolete (direct push replaced it); kept so that a stray use decodes.
    page: 3,
    name: 'AirNotify',
    tags: {},
    legacy: {
      Notify: 0x05, Notification: 0x06, Version: 0x07, LifeTime: 0x08, DeviceInfo: 0x09, Enable: 0x0a,
      Folder: 0x0b, ServerId: 0x0c, DeviceAddress: 0x0d, ValidCarrierProfiles: 0x0e,
      CarrierProfile: 0x0f, Status: 0x10, Responses: 0x11, Devices: 0x12, Device: 0x13, Id: 0x14,
      Expiry: 0x15, NotifyGUID: 0x16, DeviceFriendlyName: 0x17,
    },
    binary: [],
  },
  {
    page: 4,
    name: 'Calendar',
    tags: {
      Timezone: 0x05, AllDayEvent: 0x06, Attendees: 0x07, Attendee: 0x08, Email: 0x09, Name: 0x0a,
      BusyStatus: 0x0d, Categories: 0x0e, Category: 0x0f, DtStamp: 0x11, EndTime: 0x12, Exception: 0x13,
      Exceptions: 0x14, Deleted: 0x15, ExceptionStartTime: 0x16, Location: 0x17, MeetingStatus: 0x18,
      OrganizerEmail: 0x19, OrganizerName: 0x1a, Recurrence: 0x1b, Type: 0x1c, Until: 0x1d,
      Occurrences: 0x1e, Interval: 0x1f, DayOfWeek: 0x20, DayOfMonth: 0x21, WeekOfMonth: 0x22,
      MonthOfYear: 0x23, Reminder: 0x24, Sensitivity: 0x25, Subject: 0x26, StartTime: 0x27, UID: 0x28,
      AttendeeStatus: 0x29, AttendeeType: 0x2a, DisallowNewTimeProposal: 0x33, ResponseRequested: 0x34,
      AppointmentReplyTime: 0x35, ResponseType: 0x36, CalendarType: 0x37, IsLeapMonth: 0x38,
      FirstDayOfWeek: 0x39, OnlineMeetingConfLink: 0x3a, OnlineMeetingExternalLink: 0x3b,
      ClientUid: 0x3c,
    },
    legacy: { Body: 0x0b, BodyTruncated: 0x0c, Rtf: 0x10 },
    binary: [],
  },
  {
    page: 5,
    name: 'Move',
    tags: {
      MoveItems: 0x05, Move: 0x06, SrcMsgId: 0x07, SrcFldId: 0x08, DstFldId: 0x09, Response: 0x0a,
      Status: 0x0b, DstMsgId: 0x0c,
    },
    legacy: {},
    binary: [],
  },
  {
    page: 6,
    name: 'GetItemEstimate',
    tags: {
      GetItemEstimate: 0x05, Collections: 0x07, Collection: 0x08, Class: 0x09, CollectionId: 0x0a,
      Estimate: 0x0c, Response: 0x0d, Status: 0x0e,
    },
    legacy: { Version: 0x06, DateTime: 0x0b },
    binary: [],
  },
  {
    page: 7,
    name: 'FolderHierarchy',
    tags: {
      Folders: 0x05, Folder: 0x06, DisplayName: 0x07, ServerId: 0x08, ParentId: 0x09, Type: 0x0a,
      Status: 0x0c, Changes: 0x0e, Add: 0x0f, Delete: 0x10, Update: 0x11, SyncKey: 0x12,
      FolderCreate: 0x13, FolderDelete: 0x14, FolderUpdate: 0x15, FolderSync: 0x16, Count: 0x17,
    },
    legacy: { Response: 0x0b, ContentClass: 0x0d, Version: 0x18 },
    binary: [],
  },
  {
    page: 8,
    name: 'MeetingResponse',
    tags: {
      CalendarId: 0x05, CollectionId: 0x06, MeetingResponse: 0x07, RequestId: 0x08, Request: 0x09,
      Result: 0x0a, Status: 0x0b, UserResponse: 0x0c, InstanceId: 0x0e, ProposedStartTime: 0x10, ProposedEndTime: 0x11,
      SendResponse: 0x12,
    },
    legacy: { Version: 0x0d },
    binary: [],
  },
  {
    page: 9,
    name: 'Tasks',
    tags: {
      Categories: 0x08, Category: 0x09, Complete: 0x0a, DateCompleted: 0x0b, DueDate: 0x0c,
      UtcDueDate: 0x0d, Importance: 0x0e, Recurrence: 0x0f, Type: 0x10, Start: 0x11, Until: 0x12,
      Occurrences: 0x13, Interval: 0x14, DayOfMonth: 0x15, DayOfWeek: 0x16, WeekOfMonth: 0x17,
      MonthOfYear: 0x18, Regenerate: 0x19, DeadOccur: 0x1a, ReminderSet: 0x1b, ReminderTime: 0x1c,
      Sensitivity: 0x1d, StartDate: 0x1e, UtcStartDate: 0x1f, Subject: 0x20, OrdinalDate: 0x22,
      SubOrdinalDate: 0x23, CalendarType: 0x24, IsLeapMonth: 0x25, FirstDayOfWeek: 0x26,
    },
    legacy: { Body: 0x05, BodySize: 0x06, BodyTruncated: 0x07, Rtf: 0x21 },
    binary: [],
  },
  {
    page: 10,
    name: 'ResolveRecipients',
    tags: {
      ResolveRecipients: 0x05, Response: 0x06, Status: 0x07, Type: 0x08, Recipient: 0x09,
      DisplayName: 0x0a, EmailAddress: 0x0b, Certificates: 0x0c, Certificate: 0x0d,
      MiniCertificate: 0x0e, Options: 0x0f, To: 0x10, CertificateRetrieval: 0x11, RecipientCount: 0x12,
      MaxCertificates: 0x13, MaxAmbiguousRecipients: 0x14, CertificateCount: 0x15, Availability: 0x16,
      StartTime: 0x17, EndTime: 0x18, MergedFreeBusy: 0x19, Picture: 0x1a, MaxSize: 0x1b, Data: 0x1c,
      MaxPictures: 0x1d,
    },
    legacy: {},
    // MS-ASCMD 2.2.3.39.3: the contact photo is a byte array.
    binary: ['Data'],
  },
  {
    page: 11,
    name: 'ValidateCert',
    tags: {
      ValidateCert: 0x05, Certificates: 0x06, Certificate: 0x07, CertificateChain: 0x08, CheckCRL: 0x09,
      Status: 0x0a,
    },
    legacy: {},
    binary: [],
  },
  {
    page: 12,
    name: 'Contacts2',
    tags: {
      CustomerId: 0x05, GovernmentId: 0x06, IMAddress: 0x07, IMAddress2: 0x08, IMAddress3: 0x09,
      ManagerName: 0x0a, CompanyMainPhone: 0x0b, AccountName: 0x0c, NickName: 0x0d, MMS: 0x0e,
    },
    legacy: {},
    binary: [],
  },
] as const satisfies readonly PageDef[];
