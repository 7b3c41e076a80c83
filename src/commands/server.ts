// server commands.
import type { HandlerMap } from './types.js';

export const serverCommands: HandlerMap = {};
