// transactions commands.
import type { HandlerMap } from './types.js';

export const transactionsCommands: HandlerMap = {};
