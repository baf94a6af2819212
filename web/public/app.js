// Placeholder client until the Preact web client lands: shows whether the server is ready.
const el = document.getElementById("ready");
fetch("/ready").then((r) => r.json()).then((b) => {
  el.textContent = b.status === "ready" ? "ready" : "not ready: " + JSON.stringify(b.checks);
}).catch((e) => {
  el.textContent = "unreachable (" + e.message + ")";
});
