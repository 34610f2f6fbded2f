// The recurrence of a meeting invitation shown in the Email class: MS-ASEMAIL 2.2.2.62 Recurrences and
// 2.2.2.60 Recurrence (Type, Interval, Until, Occurrences, WeekOfMonth, DayOfMonth, DayOfWeek,
// MonthOfYear in the Email namespace; email2:CalendarType and email2:IsLeapMonth from 14.0,
// email2:FirstDayOfWeek from 14.1). Same pattern as the Calendar class's Recurrence (the store's
// Recurrence model, read from the invitation's RRULE by src/pim/rrule.ts), other names and order.
import type { Recurrence } from '../../pim/recurrence.js';
import { el, type WbxmlElement } from '../wbxml/index.js';
import { easDate } from './email-fields.js';

/** email:Recurrences for a MeetingRequest; Until is a dateTime like the MeetingRequest's other times. */
export function meetingRecurrences(r: Recurrence, version: number): WbxmlElement {
  return el('Email:Recurrences', el('Email:Recurrence',
    el('Email:Type', r.type),
    el('Email:Interval', r.interval),
    r.until !== undefined && el('Email:Until', easDate(r.until)),
    r.occurrences !== undefined && el('Email:Occurrences', r.occurrences),
    r.weekOfMonth !== undefined && el('Email:WeekOfMonth', r.weekOfMonth),
    r.dayOfMonth !== undefined && el('Email:DayOfMonth', r.dayOfMonth),
    r.dayOfWeek !== undefined && el('Email:DayOfWeek', r.dayOfWeek),
    r.monthOfYear !== undefined && el('Email:MonthOfYear', r.monthOfYear),
    version >= 140 && el('Email2:CalendarType', r.calendarType ?? 0),
    version >= 140 && r.isLeapMonth !== undefined && el('Email2:IsLeapMonth', r.isLeapMonth ? 1 : 0),
    version >= 141 && r.firstDayOfWeek !== undefined && el('Email2:FirstDayOfWeek', r.firstDayOfWeek)));
}
