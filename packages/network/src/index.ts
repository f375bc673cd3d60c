export { createTsWorker } from "./threads/create-ts-worker.js";
