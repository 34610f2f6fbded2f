// MS-ASWBXML 2.1.2.1.14 to 2.1.2.1.26: tag tokens of code pages 13 (Ping) to 25 (Find, EAS 16.1),
// with the 16.0/16.1 additions (AirSyncBase 0x1C-0x2D, Email2 0x15-0x17, page 25). Same layout as
// code-pages-0-12.ts. Pure data.
import type { PageDef } from './page-def.js';

export const PAGES_13_25 = [
  {
    page: 13,
    name: 'Ping',
    tags: {
      Ping: 0x05, Status: 0x07, HeartbeatInterval: 0x08, Folders: 0x09, Folder: 0x0a, Id: 0x0b,
      Class: 0x0c, MaxFolders: 0x0d,
    },
    legacy: { AutdState: 0x06 },
    binary: [],
  },
  {
    page: 14,
    name: 'Provision',
    tags: {
      Provision: 0x05, Policies: 0x06, Policy: 0x07, PolicyType: 0x08, PolicyKey: 0x09, Data: 0x0a,
      Status: 0x0b, RemoteWipe: 0x0c, EASProvisionDoc: 0x0d, DevicePasswordEnabled: 0x0e,
      AlphanumericDevicePasswordRequired: 0x0f, RequireStorageCardEncryption: 0x10,
      PasswordRecoveryEnabled: 0x11, AttachmentsEnabled: 0x13, MinDevicePasswordLength: 0x14,
      MaxInactivityTimeDeviceLock: 0x15, MaxDevicePasswordFailedAttempts: 0x16, MaxAttachmentSize: 0x17,
      AllowSimpleDevicePassword: 0x18, DevicePasswordExpiration: 0x19, DevicePasswordHistory: 0x1a,
      AllowStorageCard: 0x1b, AllowCamera: 0x1c, RequireDeviceEncryption: 0x1d,
      AllowUnsignedApplications: 0x1e, AllowUnsignedInstallationPackages: 0x1f,
      MinDevicePasswordComplexCharacters: 0x20, AllowWiFi: 0x21, AllowTextMessaging: 0x22,
      AllowPOPIMAPEmail: 0x23, AllowBluetooth: 0x24, AllowIrDA: 0x25, RequireManualSyncWhenRoaming: 0x26,
      AllowDesktopSync: 0x27, MaxCalendarAgeFilter: 0x28, AllowHTMLEmail: 0x29, MaxEmailAgeFilter: 0x2a,
      MaxEmailBodyTruncationSize: 0x2b, MaxEmailHTMLBodyTruncationSize: 0x2c,
      RequireSignedSMIMEMessages: 0x2d, RequireEncryptedSMIMEMessages: 0x2e,
      RequireSignedSMIMEAlgorithm: 0x2f, RequireEncryptionSMIMEAlgorithm: 0x30,
      AllowSMIMEEncryptionAlgorithmNegotiation: 0x31, AllowSMIMESoftCerts: 0x32, AllowBrowser: 0x33,
      AllowConsumerEmail: 0x34, AllowRemoteDesktop: 0x35, AllowInternetSharing: 0x36,
      UnapprovedInROMApplicationList: 0x37, ApplicationName: 0x38, ApprovedApplicationList: 0x39,
      Hash: 0x3a, AccountOnlyRemoteWipe: 0x3b,
    },
    legacy: { DocumentBrowseEnabled: 0x12 },
    binary: [],
  },
  {
    page: 15,
    name: 'Search',
    tags: {
      Search: 0x05, Store: 0x07, Name: 0x08, Query: 0x09, Options: 0x0a, Range: 0x0b, Status: 0x0c,
      Response: 0x0d, Result: 0x0e, Properties: 0x0f, Total: 0x10, EqualTo: 0x11, Value: 0x12, And: 0x13,
      Or: 0x14, FreeText: 0x15, DeepTraversal: 0x17, LongId: 0x18, RebuildResults: 0x19,
      LessThan: 0x1a, GreaterThan: 0x1b, UserName: 0x1e, Password: 0x1f, ConversationId: 0x20,
      Picture: 0x21, MaxSize: 0x22, MaxPictures: 0x23,
    },
    legacy: { Schema: 0x1c, Supported: 0x1d },
    binary: ['ConversationId'],
  },
  {
    page: 16,
    name: 'GAL',
    tags: {
      DisplayName: 0x05, Phone: 0x06, Office: 0x07, Title: 0x08, Company: 0x09, Alias: 0x0a,
      FirstName: 0x0b, LastName: 0x0c, HomePhone: 0x0d, MobilePhone: 0x0e, EmailAddress: 0x0f,
      Picture: 0x10, Status: 0x11, Data: 0x12,
    },
    legacy: {},
    // MS-ASCMD 2.2.3.39.1/2.2.3.39.4: the contact photo is a byte array.
    binary: ['Data'],
  },
  {
    page: 17,
    name: 'AirSyncBase',
    tags: {
      BodyPreference: 0x05, Type: 0x06, TruncationSize: 0x07, AllOrNone: 0x08, Body: 0x0a, Data: 0x0b,
      EstimatedDataSize: 0x0c, Truncated: 0x0d, Attachments: 0x0e, Attachment: 0x0f, DisplayName: 0x10,
      FileReference: 0x11, Method: 0x12, ContentId: 0x13, ContentLocation: 0x14, IsInline: 0x15,
      NativeBodyType: 0x16, ContentType: 0x17, Preview: 0x18, BodyPartPreference: 0x19, BodyPart: 0x1a,
      Status: 0x1b, Add: 0x1c, Delete: 0x1d, ClientId: 0x1e, Content: 0x1f, Location: 0x20,
      Annotation: 0x21, Street: 0x22, City: 0x23, State: 0x24, Country: 0x25, PostalCode: 0x26,
      Latitude: 0x27, Longitude: 0x28, Accuracy: 0x29, Altitude: 0x2a, AltitudeAccuracy: 0x2b,
      LocationUri: 0x2c, InstanceId: 0x2d,
    },
    legacy: {},
    // MS-ASAIRS: the content of an attachment added by the client (16.0) is a byte array. Body
    // Data is a string, although servers may send MIME (Type 4) in it as OPAQUE.
    binary: ['Content'],
  },
  {
    page: 18,
    name: 'Settings',
    tags: {
      Settings: 0x05, Status: 0x06, Get: 0x07, Set: 0x08, Oof: 0x09, OofState: 0x0a, StartTime: 0x0b,
      EndTime: 0x0c, OofMessage: 0x0d, AppliesToInternal: 0x0e, AppliesToExternalKnown: 0x0f,
      AppliesToExternalUnknown: 0x10, Enabled: 0x11, ReplyMessage: 0x12, BodyType: 0x13,
      DevicePassword: 0x14, Password: 0x15, DeviceInformation: 0x16, Model: 0x17, IMEI: 0x18,
      FriendlyName: 0x19, OS: 0x1a, OSLanguage: 0x1b, PhoneNumber: 0x1c, UserInformation: 0x1d,
      EmailAddresses: 0x1e, SMTPAddress: 0x1f, UserAgent: 0x20, EnableOutboundSMS: 0x21,
      MobileOperator: 0x22, PrimarySmtpAddress: 0x23, Accounts: 0x24, Account: 0x25, AccountId: 0x26,
      AccountName: 0x27, UserDisplayName: 0x28, SendDisabled: 0x29, RightsManagementInformation: 0x2b,
    },
    legacy: {},
    binary: [],
  },
  {
    page: 19,
    name: 'DocumentLibrary',
    tags: {
      LinkId: 0x05, DisplayName: 0x06, IsFolder: 0x07, CreationDate: 0x08, LastModifiedDate: 0x09,
      IsHidden: 0x0a, ContentLength: 0x0b, ContentType: 0x0c,
    },
    legacy: {},
    binary: [],
  },
  {
    page: 20,
    name: 'ItemOperations',
    tags: {
      ItemOperations: 0x05, Fetch: 0x06, Store: 0x07, Options: 0x08, Range: 0x09, Total: 0x0a,
      Properties: 0x0b, Data: 0x0c, Status: 0x0d, Response: 0x0e, Version: 0x0f, Schema: 0x10,
      Part: 0x11, EmptyFolderContents: 0x12, DeleteSubFolders: 0x13, UserName: 0x14, Password: 0x15,
      Move: 0x16, DstFldId: 0x17, ConversationId: 0x18, MoveAlways: 0x19,
    },
    legacy: {},
    // Data is a base64 string by MS-ASCMD 2.2.3.39.2, so only ConversationId is a byte array.
    binary: ['ConversationId'],
  },
  {
    page: 21,
    name: 'ComposeMail',
    tags: {
      SendMail: 0x05, SmartForward: 0x06, SmartReply: 0x07, SaveInSentItems: 0x08, ReplaceMime: 0x09,
      Source: 0x0b, FolderId: 0x0c, ItemId: 0x0d, LongId: 0x0e, InstanceId: 0x0f, Mime: 0x10,
      ClientId: 0x11, Status: 0x12, AccountId: 0x13, Forwardees: 0x15, Forwardee: 0x16,
      ForwardeeName: 0x17, ForwardeeEmail: 0x18,
    },
    legacy: {},
    // The RFC 822 message is raw 8-bit bytes; decoding it as UTF-8 would corrupt other charsets.
    binary: ['Mime'],
  },
  {
    page: 22,
    name: 'Email2',
    tags: {
      UmCallerID: 0x05, UmUserNotes: 0x06, UmAttDuration: 0x07, UmAttOrder: 0x08, ConversationId: 0x09,
      ConversationIndex: 0x0a, LastVerbExecuted: 0x0b, LastVerbExecutionTime: 0x0c, ReceivedAsBcc: 0x0d,
      Sender: 0x0e, CalendarType: 0x0f, IsLeapMonth: 0x10, AccountId: 0x11, FirstDayOfWeek: 0x12,
      MeetingMessageType: 0x13, IsDraft: 0x15, Bcc: 0x16, Send: 0x17,
    },
    legacy: {},
    // MS-ASCON 2.2.2.3.3 and 2.2.2.4: both are byte arrays.
    binary: ['ConversationId', 'ConversationIndex'],
  },
  {
    page: 23,
    name: 'Notes',
    tags: { Subject: 0x05, MessageClass: 0x06, LastModifiedDate: 0x07, Categories: 0x08, Category: 0x09 },
    legacy: {},
    binary: [],
  },
  {
    page: 24,
    name: 'RightsManagement',
    tags: {
      RightsManagementSupport: 0x05, RightsManagementTemplates: 0x06, RightsManagementTemplate: 0x07,
      RightsManagementLicense: 0x08, EditAllowed: 0x09, ReplyAllowed: 0x0a, ReplyAllAllowed: 0x0b,
      ForwardAllowed: 0x0c, ModifyRecipientsAllowed: 0x0d, ExtractAllowed: 0x0e, PrintAllowed: 0x0f,
      ExportAllowed: 0x10, ProgrammaticAccessAllowed: 0x11, Owner: 0x12, ContentExpiryDate: 0x13,
      TemplateID: 0x14, TemplateName: 0x15, TemplateDescription: 0x16, ContentOwner: 0x17,
      RemoveRightsManagementProtection: 0x18,
    },
    legacy: {},
    binary: [],
  },
  {
    page: 25,
    name: 'Find',
    tags: {
      Find: 0x05, SearchId: 0x06, ExecuteSearch: 0x07, MailBoxSearchCriterion: 0x08, Query: 0x09,
      Status: 0x0a, FreeText: 0x0b, Options: 0x0c, Range: 0x0d, DeepTraversal: 0x0e, Response: 0x11,
      Result: 0x12, Properties: 0x13, Preview: 0x14, HasAttachments: 0x15, Total: 0x16, DisplayCc: 0x17,
      DisplayBcc: 0x18, GalSearchCriterion: 0x19, MaxPictures: 0x20, MaxSize: 0x21, Picture: 0x22,
    },
    legacy: {},
    binary: [],
  },
] as const satisfies readonly PageDef[];
