// The technician sheet: log in with the technician secret, then read link statistics and the
// device log. The token lives only in this page's memory; closing the tab logs out of the page.
const $ = (id) => document.getElementById(id);
let techToken = null;

export const technicianToken = () => techToken;

export async function techGo(api) {
  $("tech-error").hidden = true;
  if (!techToken) {
    const r = await api("POST", "/api/tech/login", { secret: $("tech-secret").value });
    if (!r.ok) {
      $("tech-error").hidden = false;
      $("tech-error").textContent = r.body?.message ?? "Login failed.";
      return;
    }
    techToken = r.body.token;
    $("tech-login").hidden = true;
    $("tech-go").textContent = "Refresh";
  }
  const [stats, log] = await Promise.all([api("GET", "/api/tech/link-stats"), api("GET", "/api/tech/device-log")]);
  $("tech-output").hidden = false;
  $("tech-output").textContent = `Link\n${JSON.stringify(stats.body, null, 2)}\n\nDevice log\n${JSON.stringify(log.body, null, 2)}`;
}

