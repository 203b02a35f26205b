// worker-entry.js - the app's training worker: the package's worker side (js/worker-entry.js),
// started from this URL so that it lies inside the service worker's scope (web/). A dedicated
// worker is controlled by the service worker whose scope holds the worker's own URL, so a worker
// started at js/worker-entry.js would bypass web/sw.js and could not load offline.
import '../js/worker-entry.js';
