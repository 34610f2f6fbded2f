// Branded identifiers: the compiler keeps an AccountId from being passed where a FolderId is expected.
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type AccountId = Brand<string, 'AccountId'>;
export type DomainId = Brand<string, 'DomainId'>;
export type FolderId = Brand<number, 'FolderId'>;
export type ItemId = Brand<number, 'ItemId'>;
export type CredentialId = Brand<string, 'CredentialId'>;
export type BlobId = Brand<string, 'BlobId'>;
export type DeviceId = Brand<string, 'DeviceId'>;

export const asAccountId = (s: string): AccountId => s as AccountId;
export const asDomainId = (s: string): DomainId => s as DomainId;
export const asFolderId = (n: number): FolderId => n as FolderId;
export const asItemId = (n: number): ItemId => n as ItemId;
export const asCredentialId = (s: string): CredentialId => s as CredentialId;
export const asBlobId = (s: string): BlobId => s as BlobId;
export const asDeviceId = (s: string): DeviceId => s as DeviceId;
