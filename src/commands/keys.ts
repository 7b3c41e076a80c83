// keys commands.
import type { HandlerMap } from './types.js';

export const keysCommands: HandlerMap = {};
