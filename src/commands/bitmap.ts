// bitmap commands.
import type { HandlerMap } from './types.js';

export const bitmapCommands: HandlerMap = {};
