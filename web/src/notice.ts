// One line at the top of the page that says what just happened or went wrong (read out by screen readers).
let timer: number | undefined;

export function notify(message: string, kind: "info" | "error" = "info"): void {
  const box = document.getElementById("notice");
  if (!box) return;
  box.textContent = message;
  box.className = kind;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  clearTimeout(timer);
  timer = window.setTimeout(() => {
    box.textContent = "";
    box.className = "";
  }, 6000);
}
