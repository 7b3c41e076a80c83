// config commands.
import type { HandlerMap } from './types.js';

export const configCommands: HandlerMap = {};
