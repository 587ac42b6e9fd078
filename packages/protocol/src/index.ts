export * from './methods.js';
export * from './errors.js';
export * from './messages.js';
export * from './jsonrpc.js';
export * from './ids.js';
export * from './validate.js';
export * from './names.js';
