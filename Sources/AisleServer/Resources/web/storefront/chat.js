// The storefront's chat with Aisle's shopping assistant (docs/ASSISTANT.md): a panel opened from
// a button in the corner, one conversation per page load, the product on screen sent along.
import { call, deviceID, userID } from "./api.js";

let conversationID = null;
let currentItem = null;

/** The product on screen (null elsewhere): product questions are about it. */
export function setChatItem(id) {
  currentItem = id;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text) {
  const anchor = element("a", null, text);
  anchor.href = href;
  return anchor;
}

/** One assistant reply: its text, the items it names, and what the shopper can do next. */
function replyNode(answer) {
  const bubble = element("div", "chat-message assistant");
  bubble.append(element("p", null, answer.reply.text));
  if (answer.reply.items.length) {
    const list = element("ul", "chat-items");
    for (const item of answer.reply.items) {
      const row = element("li");
      row.append(link(`#/item/${encodeURIComponent(item.item_id)}`, item.title || item.item_id));
      if (typeof item.price === "number") row.append(element("span", "chat-price", ` ${item.price.toFixed(2)}`));
      list.append(row);
    }
    bubble.append(list);
  }
  for (const action of answer.reply.actions) {
    if (action.type === "search" && action.query) {
      bubble.append(element("p", "chat-action")).lastChild
        .append(link(`#/search?q=${encodeURIComponent(action.query)}`, `All results for “${action.query}”`));
    } else if (action.type === "sign_in") {
      bubble.append(element("p", "chat-note",
        "Orders are shown with your store account's token, which this demo shop's backend would issue at sign-in."));
    }
  }
  if (answer.handoff) bubble.append(element("p", "chat-note handoff", "A member of our team will take over this chat."));
  bubble.dataset.intent = answer.intent.name;
  return bubble;
}

/** Adds the chat button and panel to the page. */
export function setUpChat() {
  const open = element("button", "chat-open", "Ask us");
  open.type = "button";
  open.setAttribute("aria-controls", "chat");
  open.setAttribute("aria-expanded", "false");
  const panel = element("section", "chat");
  panel.id = "chat";
  panel.hidden = true;
  panel.setAttribute("aria-label", "Chat with the shop's assistant");
  const head = element("header", "chat-head");
  head.append(element("h2", null, "Shop assistant"));
  const close = element("button", "secondary", "Close");
  close.type = "button";
  head.append(close);
  const log = element("div", "chat-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.append(element("p", "hint", "Ask about orders, returns, shipping or a product. 中文也可以。"));
  const form = element("form", "chat-form");
  const input = element("input");
  input.name = "text";
  input.maxLength = 500;
  input.required = true;
  input.autocomplete = "off";
  input.placeholder = "Type a message…";
  input.setAttribute("aria-label", "Message");
  const send = element("button", null, "Send");
  send.type = "submit";
  form.append(input, send);
  panel.append(head, log, form);
  document.body.append(open, panel);

  const toggle = (show) => {
    panel.hidden = !show;
    open.hidden = show;
    open.setAttribute("aria-expanded", String(show));
    if (show) input.focus();
    else open.focus();
  };
  open.addEventListener("click", () => toggle(true));
  close.addEventListener("click", () => toggle(false));
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") toggle(false); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    log.append(element("div", "chat-message shopper", text));
    send.disabled = true;
    const body = { device_id: deviceID(), text };
    const user = userID();
    if (user) body.user_id = user;
    if (conversationID) body.conversation_id = conversationID;
    if (currentItem) body.item_id = currentItem;
    try {
      const answer = await call("assistant/messages", { method: "POST", body });
      conversationID = answer.conversation_id;
      log.append(replyNode(answer));
    } catch (error) {
      // A conversation begun before signing in or out belongs to the other shopper: start anew.
      if (error.status === 404) conversationID = null;
      log.append(element("p", "error", `The assistant could not answer: ${error.message}`));
    } finally {
      send.disabled = false;
      log.scrollTop = log.scrollHeight;
      input.focus();
    }
  });
}
