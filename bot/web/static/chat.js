// The web chat: a thin client. Every text is inserted with textContent (never as HTML), and a
// message keeps its id across retries so a flaky connection cannot file it twice.
// Opening the page only reads: the server's transcript is shown as it is, and nothing is sent
// until the reporter writes or taps something.
"use strict";
const log = document.getElementById("log");
const choicesBox = document.getElementById("choices");
const form = document.getElementById("composer");
const input = document.getElementById("text");
const fileInput = document.getElementById("file");
const attach = document.getElementById("attach");
const offline = document.getElementById("offline");
const forgetButton = document.getElementById("forget");
let polling = false;
const shownIds = new Set(); // transcript lines on screen: a poll may return one again
let lastId = 0;
let welcomeShown = false; // the page shows the welcome, not yet stored: the next answer is to it

function newId() {
  // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (e) {
    const area = el("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const before = button.textContent;
  button.textContent = "Tersalin";
  setTimeout(() => { button.textContent = before; }, 1500);
}

function codeRow(label, value) {
  const row = el("div", "code-row");
  row.appendChild(el("span", "code-label", label));
  row.appendChild(el("code", "code-value", value));
  const button = el("button", "copy");
  button.type = "button";
  const word = el("span", "", "Salin");
  button.appendChild(word);
  button.appendChild(el("span", "visually-hidden", " " + label.toLowerCase()));
  button.addEventListener("click", () => copy(value, word));
  row.appendChild(button);
  return row;
}

function receiptCard(line) {
  const card = el("div", "msg bot receipt");
  card.dataset.lineId = line.id;
  const first = line.text.split("\n")[0];
  card.appendChild(el("p", "receipt-title", first));
  card.appendChild(codeRow("Kode laporan", line.receipt.code));
  card.appendChild(codeRow("Kode rahasia", line.receipt.secret));
  card.appendChild(el("p", "receipt-note",
    "Simpan kedua kode di tempat aman. Kode rahasia tidak bisa ditampilkan lagi dan jangan " +
    "dibagikan. Dengan kedua kode, ketik /status untuk melihat perkembangan laporan."));
  const dismiss = el("button", "dismiss", "Sudah saya simpan — sembunyikan kode rahasia");
  dismiss.type = "button";
  dismiss.addEventListener("click", async () => {
    const response = await fetch("/chat/api/receipt/" + line.id + "/dismiss", { method: "POST" });
    if (response.ok) card.replaceWith(render((await response.json()).line));
  });
  card.appendChild(dismiss);
  return card;
}

function render(line) {
  if (line.receipt) return receiptCard(line);
  const who = line.who === "me" ? "me" : "bot";
  const div = el("div", "msg " + who + (line.who === "push" ? " push" : ""));
  if (line.dismissed_receipt) {
    div.textContent = line.text;
    div.appendChild(codeRow("Kode laporan", line.dismissed_receipt));
  } else {
    div.textContent = line.text;
  }
  return div;
}

function setControls(choices, acceptsMedia) {
  choicesBox.replaceChildren();
  choices.forEach(([key, label], i) => {
    const b = el("button");
    b.type = "button";
    b.dataset.key = key;
    b.appendChild(el("span", "num", String(i + 1)));
    b.appendChild(el("span", "label", label));
    b.addEventListener("click", () => send(key, label));
    choicesBox.appendChild(b);
  });
  choicesBox.hidden = choices.length === 0;
  attach.hidden = !acceptsMedia;
}

function reveal() {
  // After the buttons are laid out. The newest bot messages start after the reporter's last
  // line; if they do not fit, show them from their first line, so a question (or the welcome)
  // is never scrolled away behind its own answer buttons.
  requestAnimationFrame(() => {
    const mine = log.querySelectorAll(".msg.me");
    const anchor = mine.length ? mine[mine.length - 1].nextElementSibling : log.firstElementChild;
    const top = anchor ? anchor.offsetTop - log.offsetTop - 8 : log.scrollHeight;
    log.scrollTop = Math.min(top, log.scrollHeight - log.clientHeight);
  });
}

// Lines from the server, in order. A pushed notice without choices (a status change) leaves the
// current step's buttons alone; a reply to the reporter or a pushed question replaces them.
function append(lines) {
  let controls = null;
  for (const line of lines) {
    if (line.id) {
      if (shownIds.has(line.id)) continue;
      shownIds.add(line.id);
      lastId = Math.max(lastId, line.id);
    }
    log.appendChild(render(line));
    const hasControls = (line.choices && line.choices.length) || line.accepts_media;
    if (line.who === "bot" || (line.who === "push" && hasControls)) {
      controls = [line.choices || [], !!line.accepts_media];
    } else if (line.who === "me") {
      controls = [[], false];
    }
  }
  if (controls) setControls(controls[0], controls[1]);
  reveal();
}

async function deliver(url, options) {
  // Retry until the server answers: the message id makes retries harmless.
  for (let wait = 1000; ; wait = Math.min(wait * 2, 15000)) {
    try {
      const response = await fetch(url, options);
      if (response.ok) { offline.hidden = true; return await response.json(); }
      if (response.status === 429) {
        offline.textContent = "Terlalu banyak pesan dalam waktu singkat; tunggu sebentar.";
      } else if (response.status < 500) { offline.hidden = true; return { lines: [] }; }
    } catch (e) {
      offline.textContent = "Koneksi terputus; pesan akan dikirim ulang otomatis.";
    }
    offline.hidden = false;
    await new Promise((r) => setTimeout(r, wait));
  }
}

function pendingBubble(text) {
  const mine = el("div", "msg me pending", text);
  log.appendChild(mine);
  setControls([], false);
  reveal();
  return mine;
}

async function settle(mine, data) {
  mine.remove();
  welcomeShown = false;
  if (data.duplicate) { await reload(); return; }
  append(data.lines || []);
  startPolling();
}

async function send(text, shown) {
  if (!text.trim()) return;
  const mine = pendingBubble(shown || text);
  const body = JSON.stringify({
    text: text, shown: shown || text, message_id: newId(), welcomed: welcomeShown,
  });
  const data = await deliver("/chat/api/message", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: body,
  });
  await settle(mine, data);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = input.value;
  input.value = "";
  send(text);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (!file) return;
  const mine = pendingBubble("\u{1F4CE} " + file.name);
  if (file.type.startsWith("image/")) {
    const thumb = el("img", "thumb");
    thumb.alt = "Pratinjau " + file.name;
    thumb.src = URL.createObjectURL(file);
    mine.appendChild(thumb);
  }
  const data = new FormData();
  data.append("file", file);
  data.append("message_id", newId());
  const result = await deliver("/chat/api/upload", { method: "POST", body: data });
  fileInput.value = "";
  const kept = mine.querySelector("img");
  await settle(mine, result);
  if (kept) {
    const bubbles = log.querySelectorAll(".msg.me");
    const shown = bubbles[bubbles.length - 1];
    if (shown) shown.appendChild(kept);
    reveal();
  }
});

forgetButton.addEventListener("click", async () => {
  if (!confirm("Hapus percakapan ini dari perangkat ini? Simpan dulu kode laporan dan kode rahasia bila ada.")) return;
  await fetch("/chat/api/forget", { method: "POST" });
  polling = false;
  log.replaceChildren(el("div", "msg bot",
    "Percakapan sudah dihapus dari perangkat ini. Anda boleh menutup halaman ini."));
  setControls([], false);
  const again = el("button", "again", "Mulai percakapan baru");
  again.type = "button";
  again.addEventListener("click", () => location.reload());
  choicesBox.replaceChildren(again);
  choicesBox.hidden = false;
});

async function pollLoop() {
  // Long polling: the server holds the request until a message waits (or ~25 s pass).
  while (polling) {
    try {
      const response = await fetch("/chat/api/updates?wait=25&after=" + lastId);
      if (response.ok) {
        const data = await response.json();
        if (data.lines.length) append(data.lines);
        continue;
      }
    } catch (e) { /* offline: try again shortly */ }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

function startPolling() {
  if (polling) return;
  polling = true;
  pollLoop();
}

async function reload() {
  const response = await fetch("/chat/api/history");
  if (!response.ok) return;
  const data = await response.json();
  log.replaceChildren();
  shownIds.clear();
  lastId = 0;
  welcomeShown = data.new;
  append(data.lines);
  if (!data.new) startPolling();
}

reload();
