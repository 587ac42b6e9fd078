/** Every metric this server exports starts with this, prom-client's process metrics included. */
export const PREFIX = 'kurento_room_';
