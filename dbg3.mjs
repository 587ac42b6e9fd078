import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { createRoomServer } from './packages/server/dist/RoomServer.js';
const t = setTimeout(() => { console.error('stuck'); process.exit(3); }, 5000);
console.error('go', new Date().toISOString());
const s = await createRoomServer({ port: 18139, host: '127.0.0.1', media: { workers: 1 } }); console.error('up', new Date().toISOString()); clearTimeout(t); await s.close();
