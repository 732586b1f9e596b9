// A small node program: JIT-compiled loops (preempted, so replay runs to
// points inside generated code), a worker thread, file I/O through libuv's
// thread pool, timers, crypto and JSON.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { Worker } = require('worker_threads');

function work(n) {
	let s = 0;
	for (let i = 0; i < n; i++) s = (s + ((i * 2654435761) % 1000003)) % 1000000007;
	return s;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rewind-node-'));
const file = path.join(dir, 'data.json');
const worker = new Worker('const { parentPort } = require("worker_threads");' +
	'let s = 0; for (let i = 0; i < 3e7; i++) s = (s + i % 13) % 1000003;' +
	'parentPort.postMessage(s);', { eval: true });
worker.on('message', (m) => {
	console.log('worker:', m);
	fs.writeFile(file, JSON.stringify({ main: work(2e7), list: [1, 2, 3] }), (err) => {
		if (err) throw err;
		fs.readFile(file, 'utf8', (err2, text) => {
			if (err2) throw err2;
			const h = crypto.createHash('sha256').update(text).digest('hex');
			setTimeout(() => {
				console.log('read back:', JSON.parse(text).main, h.slice(0, 16));
				fs.rmSync(dir, { recursive: true });
				console.log('EXIT-SUCCESS');
			}, 5);
		});
	});
});
