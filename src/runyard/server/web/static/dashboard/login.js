// The sign-in page. A SameSite=Strict cookie is not sent on a navigation that started on
// another site (a link in a chat), so a signed-in browser can be sent here; this page's own
// request does carry the cookie. Sent here for a page (`?next=`): go straight on. Opened
// directly: say who is signed in, and let another token replace it.
import { pageData } from "./common.js";

const response = await fetch("/login/session", { headers: { Accept: "application/json" } });
const session = response.ok ? await response.json() : { signed_in: false };
if (session.signed_in) {
  if (new URLSearchParams(location.search).has("next")) {
    location.replace(pageData().next);
  } else {
    const note = document.getElementById("signed-in");
    note.querySelector("code").textContent = session.tenant;
    note.hidden = false;
  }
}
