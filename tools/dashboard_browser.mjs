// Opens the dashboard in headless Chromium (Debian's `chromium`, driven by npm `playwright-core`: `make browser`
// installs both), waits until every panel has answered, prints what each panel drew as JSON on stdout, and with
// --screenshot saves the whole page as a PNG. Used by `make dashboard-shot` and tests/e2e/test_dashboard.py,
// through gateway/dashboard_browser.py, which finds the URL, the npm cache and the browser.
//
//   node tools/dashboard_browser.mjs --url URL --modules NODE_MODULES_DIR [--chromium PATH] [--screenshot PNG]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    modules: { type: "string" },
    chromium: { type: "string", default: "/usr/bin/chromium" },
    screenshot: { type: "string" },
    width: { type: "string", default: "1600" },
    timeout: { type: "string", default: "60" },
  },
});
if (!args.url || !args.modules) {
  console.error("usage: dashboard_browser.mjs --url URL --modules NODE_MODULES_DIR [--screenshot PNG]");
  process.exit(2);
}
const { chromium } = createRequire(`${args.modules}/`)("playwright-core");
const timeout = Number(args.timeout) * 1000;

// --no-sandbox: Chromium refuses its sandbox when run as root, as it is in this stack's machines
const browser = await chromium.launch({ executablePath: args.chromium, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: Number(args.width), height: 1000 } });
  const consoleErrors = [];
  page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
  page.on("pageerror", (err) => consoleErrors.push(String(err)));
  const reply = await page.goto(args.url, { timeout });
  await page.waitForSelector("body[data-state=ready], body[data-state=error]", { timeout });
  const report = await page.evaluate(() => ({
    state: document.body.dataset.state,
    problems: document.getElementById("problems").textContent,
    window: { start: Number(document.body.dataset.start), end: Number(document.body.dataset.end), step: Number(document.body.dataset.step) },
    panels: [...document.querySelectorAll(".panel")].map((el) => ({
      title: el.dataset.title,
      state: el.dataset.state,
      points: Number(el.dataset.points || 0),
      series: Number(el.dataset.series || 0),
      canvas: el.querySelector("canvas") !== null,
      error: el.dataset.error || "",
    })),
  }));
  report.status = reply.status();
  report.console_errors = consoleErrors;
  if (args.screenshot) await page.screenshot({ path: args.screenshot, fullPage: true });
  console.log(JSON.stringify(report, null, 1));
} finally {
  await browser.close();
}
