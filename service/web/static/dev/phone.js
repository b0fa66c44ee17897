// Dev phone: several fake phones texting the line. Numbers travel in POST bodies only.
"use strict";

(function () {
  const PHONE = /^\+[1-9]\d{6,14}$/;
  const STORAGE_KEY = "peerline.devphone.numbers";
  const POLL_MS = 1000;

  const phones = document.getElementById("phones");
  const addButton = document.getElementById("add-phone");
  const template = document.getElementById("phone-template");
  const lineNumbers = phones.dataset.lineNumbers.split(",").filter(Boolean);
  const maxPhones = Number(phones.dataset.maxPhones) || 4;
  const fakePhones = Array.from(document.querySelectorAll("#fake-phones option"), (o) => o.value);
  const panels = [];

  async function postJson(path, payload) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
      cache: "no-store",
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = { error: `HTTP ${response.status}` };
    }
    return { ok: response.ok, status: response.status, data };
  }

  function save() {
    const numbers = panels.map((panel) => panel.number.value.trim());
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(numbers));
    } catch (error) {
      // Private windows may refuse storage; the phones simply are not remembered.
    }
  }

  function restore() {
    try {
      const numbers = JSON.parse(localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(numbers) ? numbers.filter((n) => typeof n === "string").slice(0, maxPhones) : [];
    } catch (error) {
      return [];
    }
  }

  function unusedNumber() {
    const used = new Set(panels.map((panel) => panel.number.value.trim()));
    const free = fakePhones.find((n) => !used.has(n));
    if (free) return free;
    for (;;) {
      const candidate = "+1555010" + String(Math.floor(Math.random() * 10000)).padStart(4, "0");
      if (!used.has(candidate)) return candidate;
    }
  }

  function timeOf(iso) {
    const when = new Date(iso);
    return Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString();
  }

  function describe(message) {
    if (message.direction === "inbound") {
      const code = message.webhook_status;
      if (code === null || code === undefined) return "sending…";
      if (code === 200) return "line took it";
      if (code === 0) return "line unreachable";
      return `line answered HTTP ${code}`;
    }
    return message.error_code ? `${message.status} (error ${message.error_code})` : message.status;
  }

  function renderThread(panel, messages) {
    const list = panel.thread;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(
      ...messages.map((message) => {
        const item = document.createElement("li");
        item.className = `message ${message.direction === "inbound" ? "mine" : "theirs"}`;
        if (message.direction === "inbound" && message.webhook_status && message.webhook_status !== 200) {
          item.classList.add("refused");
        }
        const body = document.createElement("p");
        body.className = "body";
        body.textContent = message.body;
        const meta = document.createElement("p");
        meta.className = "meta";
        const who = message.direction === "inbound" ? "you" : `line ${message.line || ""}`;
        meta.textContent = `${who} · ${timeOf(message.at)} · ${describe(message)}`;
        item.append(body, meta);
        return item;
      }),
    );
    if (!messages.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "No texts yet. Say hello to the line.";
      list.append(empty);
    }
    if (nearBottom || panel.scrollOnNext) list.scrollTop = list.scrollHeight;
    panel.scrollOnNext = false;
  }

  async function refresh(panel) {
    const phone = panel.number.value.trim();
    if (panel.busy || !PHONE.test(phone)) return;
    panel.busy = true;
    try {
      const result = await postJson("/dev/phone/thread", { phone });
      if (!result.ok || phone !== panel.number.value.trim()) return;
      const snapshot = JSON.stringify(result.data.messages);
      if (snapshot !== panel.snapshot) {
        panel.snapshot = snapshot;
        renderThread(panel, result.data.messages);
      }
    } catch (error) {
      panel.notice.textContent = "Cannot reach PeerLine; is it still running?";
    } finally {
      panel.busy = false;
    }
  }

  function setNumber(panel, number) {
    panel.number.value = number;
    panel.snapshot = null;
    panel.thread.replaceChildren();
    panel.notice.textContent = "";
    panel.scrollOnNext = true;
    save();
    refresh(panel);
  }

  async function send(panel) {
    const phone = panel.number.value.trim();
    const body = panel.body.value;
    if (!PHONE.test(phone)) {
      panel.notice.textContent = "Give this phone a number like +15550100001 first.";
      panel.number.focus();
      return;
    }
    if (!body.trim()) return;
    panel.send.disabled = true;
    panel.notice.textContent = "";
    try {
      const to = panel.line.value || lineNumbers[0];
      const result = await postJson("/dev/phone/send", { from: phone, body, to });
      if (!result.ok) {
        panel.notice.textContent = result.data.error || `Not sent (HTTP ${result.status}).`;
        return;
      }
      panel.body.value = "";
      updateMeter(panel);
      if (!result.data.accepted) {
        panel.notice.textContent = result.data.webhook_status
          ? `The line answered HTTP ${result.data.webhook_status}. Does PUBLIC_BASE_URL match this server?`
          : "The line's webhook could not be reached. Is PUBLIC_BASE_URL right?";
      }
      panel.scrollOnNext = true;
      refresh(panel);
    } catch (error) {
      panel.notice.textContent = "Cannot reach PeerLine; is it still running?";
    } finally {
      panel.send.disabled = false;
      panel.body.focus();
    }
  }

  function updateMeter(panel) {
    const length = panel.body.value.length;
    panel.meter.textContent = length ? `${length} / 1600 characters` : "";
  }

  function updateAddButton() {
    addButton.disabled = panels.length >= maxPhones;
  }

  function addPhone(number) {
    if (panels.length >= maxPhones) return;
    const root = template.content.firstElementChild.cloneNode(true);
    const panel = {
      root,
      number: root.querySelector(".number"),
      line: root.querySelector(".line-number"),
      thread: root.querySelector(".thread"),
      notice: root.querySelector(".notice"),
      body: root.querySelector("textarea"),
      send: root.querySelector(".compose button"),
      meter: root.querySelector(".meter"),
      snapshot: null,
      busy: false,
      scrollOnNext: true,
    };
    for (const line of lineNumbers) panel.line.append(new Option(line, line));
    root.querySelector(".line-choice").hidden = lineNumbers.length < 2;
    root.querySelector(".new-number").addEventListener("click", () => setNumber(panel, unusedNumber()));
    root.querySelector(".close").addEventListener("click", () => {
      panels.splice(panels.indexOf(panel), 1);
      root.remove();
      save();
      updateAddButton();
    });
    panel.number.addEventListener("change", () => setNumber(panel, panel.number.value.trim()));
    root.querySelector(".compose").addEventListener("submit", (event) => {
      event.preventDefault();
      send(panel);
    });
    panel.body.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send(panel);
      }
    });
    panel.body.addEventListener("input", () => updateMeter(panel));
    panels.push(panel);
    phones.append(root);
    setNumber(panel, number || unusedNumber());
    updateAddButton();
  }

  addButton.addEventListener("click", () => addPhone());
  const remembered = restore();
  if (remembered.length) remembered.forEach((number) => addPhone(number));
  else addPhone(fakePhones[0]);
  setInterval(() => panels.forEach(refresh), POLL_MS);
})();
