// string commands.
import type { HandlerMap } from './types.js';

export const stringCommands: HandlerMap = {};
