// `carbonio mobile` device commands (getDeviceList, getDeviceInfo, ...). Filled in by the device work.
import type { Command } from './command.js';

export const mobileDeviceCommands: readonly Command[] = [];
