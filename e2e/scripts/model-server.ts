// Serves the demo CNN v1 over HTTP on loopback for the black-box journey (same server as the vitest
// integration tests). Prints one JSON line {"url": …} when ready; stops on SIGTERM.
import { initEngineBackend } from "../../lib/engine/backend";
import { DIGIT_LABELS } from "../../lib/demo/mnist";
import { loadDemoModel, startModelServer } from "../../test/model-server";

const token = process.argv[2];
await initEngineBackend("wasm");
const model = await loadDemoModel("digits-cnn-v1");
const server = await startModelServer(model, { token, classLabels: DIGIT_LABELS });
console.log(JSON.stringify({ url: server.url }));
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
