// Log in, or sign up (which logs in right after).
import { api, explain, logIn } from "./api";
import { el, show } from "./dom";

export function loginScreen(main: HTMLElement, loggedIn: () => void): void {
  const handle = el("input", { id: "handle", name: "handle", autocomplete: "username", required: true, pattern: "[a-z0-9_]{3,30}" });
  const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true, minlength: 8 });
  const displayName = el("input", { id: "display-name", name: "displayName", autocomplete: "name" });
  const isPrivate = el("input", { id: "private", name: "private", type: "checkbox" });
  const error = el("p", { class: "error", role: "alert" });
  const logInButton = el("button", { type: "submit", name: "login" }, "Log in");
  const signUpButton = el("button", { type: "submit", name: "signup", class: "secondary" }, "Sign up");
  const form = el(
    "form",
    { class: "login", "aria-label": "Log in or sign up" },
    el("h1", {}, "feedmesh"),
    el("label", { for: "handle" }, "Handle (3-30 of a-z, 0-9, _)"),
    handle,
    el("label", { for: "password" }, "Password (8 characters or more)"),
    password,
    el("label", { for: "display-name" }, "Display name (sign up only, optional)"),
    displayName,
    el("label", { for: "private", class: "check" }, isPrivate, " Private account: you approve who follows you (sign up only)"),
    error,
    el("div", { class: "buttons" }, logInButton, signUpButton),
  );
  form.onsubmit = async (event) => {
    event.preventDefault();
    const signUp = (event as SubmitEvent).submitter === signUpButton;
    error.textContent = "";
    logInButton.disabled = signUpButton.disabled = true;
    try {
      if (signUp) {
        await api.auth.createUser({
          handle: handle.value.trim(),
          password: password.value,
          displayName: displayName.value.trim(),
          private: isPrivate.checked,
        });
      }
      await logIn(handle.value.trim(), password.value);
      loggedIn();
    } catch (failure) {
      const message = explain(failure);
      error.textContent = message.startsWith("Your session") ? "Wrong handle or password." : message;
    } finally {
      logInButton.disabled = signUpButton.disabled = false;
    }
  };
  show(main, form);
  handle.focus();
}
