// Preloaded into every test process (scripts/run-tests.mjs).
// @roamhq/wrtc segfaults in its native finalizers when Node tears the environment down after a
// media track was created and stopped, which would fail a test file whose tests all passed.
// Leaving through exit() directly skips that teardown and keeps the exit code. Test processes
// only: the server itself never loads wrtc.
process.on('exit', (code) => process.reallyExit(code));
