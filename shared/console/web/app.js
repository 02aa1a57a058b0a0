// Tipline staff console: one module, no framework, no third-party request.
// Every text comes from the message file of the chosen language (es.json,
// en.json); every value from the API is put in the page as text, never as
// HTML.

const root = document.documentElement;
const cfg = JSON.parse(root.dataset.config || '{}');
const TOKEN = 'tipline.token';
const PKCE = 'tipline.pkce';
const DRAFT = 'tipline.draft.';
const REGIONS = ['PE-AMA', 'PE-ANC', 'PE-APU', 'PE-ARE', 'PE-AYA', 'PE-CAJ', 'PE-CAL', 'PE-CUS', 'PE-HUC',
  'PE-HUV', 'PE-ICA', 'PE-JUN', 'PE-LAL', 'PE-LAM', 'PE-LIM', 'PE-LMA', 'PE-LOR', 'PE-MDD',
  'PE-MOQ', 'PE-PAS', 'PE-PIU', 'PE-PUN', 'PE-SAM', 'PE-TAC', 'PE-TUM', 'PE-UCA'];
const STATUSES = ['new', 'triaged', 'forwarded', 'acknowledged', 'closed', 'spam'];
const URGENCIES = ['critical', 'high', 'medium', 'low'];
const CATEGORIES = ['sexual', 'labor', 'other', 'unknown', 'none'];
const POLL_MS = 10000;

// The token arrives in the fragment (#token=…): keep it for this tab only
// and take it out of the address bar before anything else runs.
(function readFragment() {
  const m = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (!m) return;
  sessionStorage.setItem(TOKEN, decodeURIComponent(m[1]));
  history.replaceState(history.state, '', location.pathname + location.search);
})();

let M = {};
let lang = 'es';
let pollTimer = 0;
let view = 0; // bumped on every navigation: late answers of an old view are dropped

// --- texts ---------------------------------------------------------------

function t(key, vars) {
  let s = M[key];
  if (s === undefined) s = key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  return s;
}

async function loadMessages(l) {
  const url = root.dataset['messages' + l[0].toUpperCase() + l.slice(1)];
  const r = await fetch(url);
  M = await r.json();
  lang = l;
  root.lang = l;
  try { localStorage.setItem('tipline.lang', l); } catch { /* private mode */ }
}

const formats = {};
// limaFmt is the date format of the language, made once (making one is slow).
const limaFmt = () => formats[lang] || (formats[lang] = new Intl.DateTimeFormat(lang === 'es' ? 'es-PE' : 'en-GB', {
  timeZone: 'America/Lima', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
}));
function limaTime(iso) {
  if (!iso || iso.startsWith('0001')) return '';
  return limaFmt().format(new Date(iso)) + ' ' + t('lima');
}

// --- DOM -----------------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) e.append(k);
  return e;
}
const svgNS = 'http://www.w3.org/2000/svg';
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}
let uid = 0;
function field(label, control, hint) {
  const id = control.id || ('f' + (++uid));
  control.id = id;
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), control, hint ? el('p', { class: 'hint', text: hint }) : null);
}
function select(name, options, value, blank) {
  const s = el('select', { name });
  if (blank !== undefined) s.append(el('option', { value: '', text: blank }));
  for (const [v, label] of options) s.append(el('option', { value: v, text: label, selected: v === value }));
  return s;
}
function main() { return document.getElementById('main'); }
function render(title, ...kids) {
  document.title = title + ' · Tipline';
  const m = main();
  m.replaceChildren(el('h1', { text: title }), ...kids);
  restoreDrafts(m);
}

// Drafts: typed text survives a sign-in again (kept for this tab only).
function restoreDrafts(scope) {
  for (const c of scope.querySelectorAll('[data-draft]')) {
    const v = sessionStorage.getItem(DRAFT + c.dataset.draft);
    if (v !== null && !c.value) c.value = v;
    c.addEventListener('input', () => sessionStorage.setItem(DRAFT + c.dataset.draft, c.value));
  }
}
function clearDrafts(form) {
  for (const c of form.querySelectorAll('[data-draft]')) sessionStorage.removeItem(DRAFT + c.dataset.draft);
}

// --- session ---------------------------------------------------------------

function token() { return sessionStorage.getItem(TOKEN) || ''; }
function claims() {
  const tok = token();
  try {
    const p = tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(p))));
  } catch { return null; }
}
function listClaim(v) {
  if (Array.isArray(v)) return v;
  if (typeof v !== 'string') return [];
  return v.replace(/^\[|\]$/g, '').split(/[ ,]+/).filter(Boolean);
}
function me() {
  const c = claims() || {};
  const rank = { staff: 1, supervisor: 2, admin: 3 };
  let role = 0;
  for (const g of listClaim(c['cognito:groups'])) role = Math.max(role, rank[String(g).toLowerCase()] || 0);
  const regions = 'custom:regions' in c ? listClaim(c['custom:regions']).map((r) => r.toUpperCase()) : null;
  return { sub: c.sub || '', name: c['cognito:username'] || c.email || c.sub || '', role, regions, exp: c.exp || 0 };
}
function expired() { const e = me().exp; return !token() || (e && e * 1000 < Date.now()); }

class SigninNeeded extends Error {}
class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function askSignin() {
  const box = document.getElementById('session');
  const kids = [el('p', { text: token() ? t('session.expired') : t('session.none') })];
  if (cfg.cognito_domain) kids.push(el('button', { type: 'button', onclick: cognitoStart, text: t('session.signin') }));
  if (cfg.local_signin) kids.push(el('a', { href: '/console/local-signin', class: 'button', text: t('session.local') }));
  const paste = el('input', { type: 'password', autocomplete: 'off' });
  kids.push(el('form', { class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    if (!paste.value.trim()) return;
    sessionStorage.setItem(TOKEN, paste.value.trim());
    box.hidden = true;
    chrome();
    route();
  } }, field(t('session.paste'), paste), el('button', { type: 'submit', text: t('session.use') })));
  box.replaceChildren(...kids);
  box.hidden = false;
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
async function cognitoStart() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state, back: location.pathname + location.search }));
  const q = new URLSearchParams({ response_type: 'code', client_id: cfg.client_id, redirect_uri: cfg.redirect_uri,
    scope: 'openid email profile', code_challenge_method: 'S256', code_challenge: challenge, state });
  location.assign(cfg.cognito_domain + '/oauth2/authorize?' + q);
}
async function cognitoFinish() {
  const q = new URLSearchParams(location.search);
  const code = q.get('code');
  const saved = JSON.parse(sessionStorage.getItem(PKCE) || 'null');
  if (!code || !saved || !cfg.cognito_domain) return;
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, '', saved.back || '/console/');
  if (q.get('state') !== saved.state) return;
  const r = await fetch(cfg.cognito_domain + '/oauth2/token', {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: cfg.client_id, code,
      redirect_uri: cfg.redirect_uri, code_verifier: saved.verifier }),
  });
  if (r.ok) {
    const body = await r.json();
    if (body.id_token) sessionStorage.setItem(TOKEN, body.id_token);
  }
}
function signout() {
  sessionStorage.removeItem(TOKEN);
  if (cfg.cognito_domain) {
    location.assign(cfg.cognito_domain + '/logout?' + new URLSearchParams({ client_id: cfg.client_id, logout_uri: cfg.redirect_uri }));
    return;
  }
  chrome();
  askSignin();
  main().replaceChildren();
}

// --- API -------------------------------------------------------------------

async function api(method, path, body, headers) {
  if (expired()) { askSignin(); throw new SigninNeeded(); }
  const h = { Authorization: 'Bearer ' + token(), Accept: 'application/json', ...(headers || {}) };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  if (r.status === 401) { askSignin(); throw new SigninNeeded(); }
  let data = null;
  if ((r.headers.get('Content-Type') || '').includes('json')) data = await r.json();
  if (!r.ok) throw new APIError(r.status, data?.error?.code || '', data?.error?.message || r.statusText);
  return { data, headers: r.headers };
}
async function download(path, filename) {
  if (expired()) { askSignin(); throw new SigninNeeded(); }
  const r = await fetch(path, { headers: { Authorization: 'Bearer ' + token() } });
  if (r.status === 401) { askSignin(); throw new SigninNeeded(); }
  if (!r.ok) throw new APIError(r.status, '', r.statusText);
  const url = URL.createObjectURL(await r.blob());
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
function refusal(err) {
  if (err instanceof SigninNeeded) return el('p', { class: 'refusal', role: 'alert', text: t('session.expired') });
  const code = err.code && M['refusal.' + err.code] ? ' · ' + t('refusal.' + err.code) : '';
  return el('p', { class: 'refusal', role: 'alert', text: t('refused') + ': ' + err.message + code });
}

// Form submission with the API's refusal shown in the form.
function actionForm(attrs, controls, submitLabel, run) {
  const out = el('div', { class: 'outcome', 'aria-live': 'polite' });
  const f = el('form', { ...attrs, class: 'action ' + (attrs.class || '') }, ...controls.filter(Boolean), el('button', { type: 'submit', text: submitLabel }), out);
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = f.querySelector('button[type=submit]');
    btn.disabled = true;
    out.replaceChildren();
    try {
      const msg = await run(new FormData(f), f);
      clearDrafts(f);
      out.replaceChildren(el('p', { class: 'ok', role: 'status', text: msg || t('done') }));
    } catch (err) {
      out.replaceChildren(refusal(err));
    } finally {
      btn.disabled = false;
    }
  });
  return f;
}

// --- chrome ----------------------------------------------------------------

function chrome() {
  const u = me();
  const nav = document.getElementById('nav');
  const links = [['/console/', t('nav.queue')]];
  if (u.role >= 2) links.push(['/console/campaigns', t('nav.campaigns')]);
  if (u.role >= 3) links.push(['/console/authorities', t('nav.authorities')]);
  nav.replaceChildren(...(token() ? links : []).map(([href, label]) => el('a', { href, 'data-nav': true, text: label })));
  document.getElementById('who').textContent = token() ? t('who', { name: u.name, role: t('role.' + (['none', 'staff', 'supervisor', 'admin'][u.role])) }) : '';
  const lb = document.getElementById('lang');
  lb.textContent = lang === 'es' ? 'English' : 'Español';
  lb.setAttribute('lang', lang === 'es' ? 'en' : 'es');
  const so = document.getElementById('signout');
  so.textContent = t('signout');
  so.hidden = !token();
  document.getElementById('skip').textContent = t('skip');
}

// --- routing ---------------------------------------------------------------

function go(url) { history.pushState(null, '', url); route(); }

async function route() {
  clearTimeout(pollTimer);
  const my = ++view;
  const p = location.pathname.replace(/^\/console\/?/, '');
  if (!token()) { askSignin(); main().replaceChildren(); return; }
  try {
    let m;
    if (p === '') await queueView(my);
    else if ((m = p.match(/^tips\/([^/]+)$/))) await tipView(decodeURIComponent(m[1]), my);
    else if (p === 'campaigns') await campaignsView(my);
    else if ((m = p.match(/^campaigns\/([^/]+)$/))) await campaignView(decodeURIComponent(m[1]), my);
    else if ((m = p.match(/^materials\/([^/]+)\/sheet$/))) await sheetView(decodeURIComponent(m[1]), my);
    else if (p === 'authorities') await authoritiesView(my);
    else render(t('notfound'));
  } catch (err) {
    if (my !== view) return;
    if (err instanceof SigninNeeded) return;
    render(t('error'), refusal(err));
  }
}

// --- queue -----------------------------------------------------------------

const active = (tp) => !['acknowledged', 'closed', 'spam'].includes(tp.status);
function marks(tp) {
  const out = [];
  if (tp.urgency === 'critical' && active(tp)) out.push(['crit', t('mark.critical')]);
  if (tp.needs_review || (tp.reportable && (tp.status === 'new' || tp.status === 'triaged'))) out.push(['review', t('mark.review')]);
  if (tp.alerts_failed) out.push(['failed', t('mark.failed')]);
  return out.map(([c, label]) => el('span', { class: 'mark ' + c, text: label }));
}
function badge(urgency) { return el('span', { class: 'badge u-' + urgency, text: t('urgency.' + urgency) }); }

const COLS = ['col.ref', 'col.urgency', 'col.status', 'col.category', 'col.region', 'col.campaign', 'col.created', 'col.marks'];
function queueRow(tp) {
  const cells = [
    el('a', { href: '/console/tips/' + encodeURIComponent(tp.id), 'data-nav': true, class: 'ref', text: tp.ref }),
    badge(tp.urgency), t('status.' + tp.status), t('category.' + tp.category),
    [tp.region, tp.place].filter(Boolean).join(' · ') || t('noregion'), tp.campaign_id || '', limaTime(tp.created_at), marks(tp)];
  return el('tr', { 'data-tip': tp.id, 'data-ref': tp.ref, class: tp.urgency === 'critical' && active(tp) ? 'hot' : '' },
    cells.map((c, i) => el('td', { 'data-label': t(COLS[i]) }, c)));
}

export function queueTable(tips) {
  const body = el('tbody', {}, tips.map(queueRow));
  const head = el('thead', {}, el('tr', {}, COLS.map((k) => el('th', { scope: 'col', text: t(k) }))));
  return el('div', { class: 'scroll' }, el('table', { class: 'queue' }, el('caption', { class: 'sr', text: t('queue.caption') }), head, body));
}

async function queueView(my) {
  const q = new URLSearchParams(location.search);
  const u = me();
  const regionOpts = (u.role >= 2 || u.regions === null ? REGIONS : u.regions).map((r) => [r, r]);
  if (u.role >= 2) regionOpts.push(['none', t('noregion')]);
  const form = el('form', { class: 'filters', role: 'search', onsubmit: (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) p.set(k, v);
    go('/console/' + (p.toString() ? '?' + p : ''));
  } },
  field(t('filter.status'), select('status', STATUSES.map((s) => [s, t('status.' + s)]), q.get('status') || '', t('all'))),
  field(t('filter.urgency'), select('urgency', URGENCIES.map((s) => [s, t('urgency.' + s)]), q.get('urgency') || '', t('all'))),
  field(t('filter.region'), select('region', regionOpts, (q.get('region') || '').toUpperCase() === 'NONE' ? 'none' : (q.get('region') || '').toUpperCase(), t('all'))),
  field(t('filter.campaign'), el('input', { name: 'campaign', value: q.get('campaign') || '', autocomplete: 'off' })),
  field(t('filter.q'), el('input', { name: 'q', type: 'search', value: q.get('q') || '', maxlength: 100 })),
  el('button', { type: 'submit', text: t('filter.apply') }));
  const list = el('div', { id: 'queue', 'aria-live': 'polite' });
  const more = el('div', { class: 'paging' });
  const updated = el('p', { class: 'hint', id: 'updated' });
  render(t('queue.title'), form, updated, list, more);

  const params = new URLSearchParams();
  for (const k of ['status', 'urgency', 'region', 'campaign', 'q']) if (q.get(k)) params.set(k, q.get(k));
  let shown = []; // tips of the pages loaded so far
  let cursor = '';
  const show = () => {
    list.replaceChildren(shown.length ? queueTable(shown) : el('p', { text: t('queue.empty') }));
  };
  const page = async (c) => {
    const p = new URLSearchParams(params);
    if (c) p.set('cursor', c);
    return (await api('GET', '/api/tips?' + p)).data;
  };
  const first = await page('');
  if (my !== view) return;
  shown = first.tips;
  cursor = first.next_cursor;
  show();
  const paging = () => {
    more.replaceChildren(...(cursor ? [el('button', { type: 'button', onclick: async (e) => {
      e.target.disabled = true;
      try {
        const next = await page(cursor);
        if (my !== view) return;
        const seen = new Set(shown.map((x) => x.id));
        shown = shown.concat(next.tips.filter((x) => !seen.has(x.id)));
        cursor = next.next_cursor;
        show();
        paging();
      } catch (err) { more.append(refusal(err)); e.target.disabled = false; }
    }, text: t('queue.more') })] : []));
  };
  paging();
  updated.textContent = t('queue.updated', { time: limaTime(new Date().toISOString()) });
  // Poll the first page: new tips appear without a reload, in the API's order.
  const poll = async () => {
    if (my !== view) return;
    try {
      const fresh = await page('');
      if (my !== view) return;
      const ids = new Set(fresh.tips.map((x) => x.id));
      const rest = shown.slice(first.tips.length).filter((x) => !ids.has(x.id));
      if (!cursor && fresh.next_cursor) { cursor = fresh.next_cursor; paging(); }
      shown = fresh.tips.concat(rest);
      first.tips = fresh.tips;
      show();
      updated.textContent = t('queue.updated', { time: limaTime(new Date().toISOString()) });
    } catch (err) { if (err instanceof SigninNeeded) return; }
    pollTimer = setTimeout(poll, POLL_MS);
  };
  pollTimer = setTimeout(poll, POLL_MS);
}

// --- tip detail --------------------------------------------------------------

// Words a triage reason names: the quoted parts ("encerrada"), or the list
// after the colon.
export function reasonWords(reasons) {
  const words = new Set();
  for (const r of reasons || []) {
    const quoted = [...r.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    if (quoted.length) { quoted.forEach((w) => words.add(w)); continue; }
    const m = r.match(/\(([^)]+)\)\s*$/) || r.match(/:\s*(.+)$/);
    if (m) for (const w of m[1].split(',')) if (w.trim().length > 2) words.add(w.trim());
  }
  return [...words];
}
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
// highlight returns text as nodes with each named word in a <mark>,
// matched without regard to case or accents.
export function highlight(text, words) {
  const f = fold(text);
  const spans = [];
  for (const w of words) {
    const fw = fold(w);
    if (!fw) continue;
    for (let i = f.indexOf(fw); i >= 0; i = f.indexOf(fw, i + fw.length)) spans.push([i, i + fw.length]);
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const out = [];
  let at = 0;
  for (const [s, e] of spans) {
    if (s < at) continue;
    out.push(text.slice(at, s), el('mark', { text: text.slice(s, e) }));
    at = e;
  }
  out.push(text.slice(at));
  return out.filter((x) => x !== '');
}

function section(title, ...kids) { return el('section', { class: 'card' }, el('h2', { text: title }), ...kids); }
function dl(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').flatMap(([k, v]) => [el('dt', { text: k }), el('dd', {}, v)]));
}
const yes = (b) => (b ? t('yes') : t('no'));

function thread(tp, words) {
  return el('ol', { class: 'thread' }, tp.messages.map((m) => el('li', { class: 'msg ' + (m.direction === 'in' ? 'inbound' : 'outbound') },
    el('p', { class: 'meta' }, el('span', { text: t('dir.' + m.direction) }), ' · ', el('time', { datetime: m.created_at, text: limaTime(m.created_at) })),
    m.body ? el('p', { class: 'body' }, m.direction === 'in' ? highlight(m.body, words) : m.body) : null,
    m.media.length ? el('ul', { class: 'media' }, m.media.map((md, i) => el('li', {},
      md.content_type.startsWith('image/')
        ? el('a', { href: md.url, target: '_blank', rel: 'noopener' }, el('img', { src: md.url, alt: t('media.image', { n: i + 1 }), loading: 'lazy', width: 120, height: 120 }))
        : el('a', { href: md.url, target: '_blank', rel: 'noopener', text: t('media.file', { n: i + 1, type: md.content_type }) })))) : null,
    m.location ? el('p', { class: 'loc' }, t('location') + ': ',
      el('span', { class: 'coords', text: m.location.latitude.toFixed(5) + ', ' + m.location.longitude.toFixed(5) }), ' ',
      m.location.label || m.location.address ? el('span', { text: '(' + [m.location.label, m.location.address].filter(Boolean).join(', ') + ') ' }) : null,
      el('a', { href: 'https://www.openstreetmap.org/?mlat=' + m.location.latitude + '&mlon=' + m.location.longitude + '#map=16/' + m.location.latitude + '/' + m.location.longitude,
        target: '_blank', rel: 'noopener noreferrer', text: t('location.open') })) : null)));
}

function alertsTimeline(tipID, alerts, audit) {
  if (!alerts.length) return el('p', { text: t('alerts.none') });
  const byContact = new Map();
  for (const a of alerts) {
    const k = a.authority_id + '/' + a.contact;
    if (!byContact.has(k)) byContact.set(k, []);
    byContact.get(k).push(a);
  }
  const acks = audit.filter((e) => e.action === 'acknowledged');
  const escal = audit.filter((e) => e.action === 'escalate');
  const route = escal.map((e) => el('li', {}, el('time', { datetime: e.at, text: limaTime(e.at) }), ' ', el('span', { class: 'step', text: t('alert.escalated', { tier: e.detail?.tier || '' }) })));
  const stopped = audit.filter((e) => e.action === 'escalation.stopped').map((e) => el('li', { class: 'ok' }, el('time', { datetime: e.at, text: limaTime(e.at) }), ' ',
    el('span', { class: 'step', text: e.detail?.authority ? t('alert.stopped', { authority: e.detail.authority }) : t('alert.stopped.other') })));
  return el('div', { class: 'timelines' }, route.length + stopped.length ? el('ol', { class: 'route' }, route, stopped) : null, [...byContact.entries()].map(([k, list]) => {
    const steps = [];
    for (const a of list) {
      steps.push([a.created_at, t('alert.queued', { tier: a.tier })]);
      if (a.status === 'sent' || a.delivery) steps.push([a.updated_at, t('alert.sent')]);
      if (a.delivery === 'delivered' || a.delivery === 'read') steps.push([a.updated_at, t('alert.delivered')]);
      if (a.status === 'failed' || a.delivery === 'failed' || a.delivery === 'undelivered') steps.push([a.updated_at, t('alert.failed', { code: a.error_code || '' }), 'failed']);
      if (a.status === 'cancelled') steps.push([a.updated_at, t('alert.cancelled')]);
    }
    const authority = list[0].authority_id;
    for (const e of acks) if (e.detail?.authority === authority) steps.push([e.at, t('alert.acknowledged'), 'ok']);
    steps.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return el('div', { class: 'timeline', 'data-contact': k },
      el('h3', { text: t('alert.contact', { authority, contact: list[0].contact + 1, channel: list[0].channel }) }),
      el('ol', {}, steps.map(([at, label, cls]) => el('li', { class: cls || '' }, el('time', { datetime: at, text: limaTime(at) }), ' ', el('span', { class: 'step', text: label })))),
      actionForm({ 'aria-label': t('case.revoke') + ' ' + k, 'data-action': 'revoke', 'data-contact': k, class: 'inline secondary' }, [], t('case.revoke'), async () => {
        await api('POST', '/api/tips/' + encodeURIComponent(tipID) + '/case-links/revoke', { authority_id: authority, contact: list[0].contact });
        return t('case.revoked');
      }));
  }));
}

function auditTrail(audit) {
  return el('ol', { class: 'audit' }, audit.map((e) => el('li', {},
    el('time', { datetime: e.at, text: limaTime(e.at) }), ' ', el('strong', { text: e.actor }), ' ', el('span', { class: 'action', text: e.action }),
    e.detail ? el('span', { class: 'detail', text: ' ' + Object.entries(e.detail).map(([k, v]) => k + ': ' + v).join('; ') }) : null)));
}

async function tipView(id, my) {
  const { data: tp } = await api('GET', '/api/tips/' + encodeURIComponent(id));
  if (my !== view) return;
  const words = reasonWords(tp.reasons);
  const reload = () => { if (my === view) route(); };
  const u = me();
  const failed = tp.alerts.some((a) => a.status === 'failed');
  const head = el('div', { class: 'tiphead' }, badge(tp.urgency), el('span', { text: t('status.' + tp.status) }), marks({ ...tp, alerts_failed: failed }));
  const triage = section(t('triage'), dl([
    [t('col.urgency'), badge(tp.urgency)], [t('col.category'), t('category.' + tp.category)], [t('minor'), yes(tp.minor)],
    [t('danger'), yes(tp.immediate_danger)], [t('col.region'), tp.region || t('noregion')], [t('place'), tp.place],
    [t('confidence'), tp.confidence !== undefined ? String(tp.confidence) : ''], [t('channel'), tp.channel], [t('language'), tp.language],
    [t('col.campaign'), [tp.campaign_id, tp.material_id].filter(Boolean).join(' / ')], [t('assignee'), tp.assignee],
    [t('col.created'), limaTime(tp.created_at)], [t('indicators'), tp.indicators.join(', ')],
  ]), el('h3', { text: t('reasons') }), el('ul', { class: 'reasons' }, tp.reasons.map((r) => el('li', {}, highlight(r, words)))));

  const ver = () => tp.version;
  const patch = async (body) => {
    const r = await api('PATCH', '/api/tips/' + encodeURIComponent(tp.id), { version: ver(), ...body });
    tp.version = r.data.version;
    setTimeout(reload, 600);
    return t('saved');
  };
  const note = el('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-draft': 'note.' + tp.id });
  const correct = actionForm({ 'aria-label': t('act.correct'), 'data-action': 'correct' }, [
    field(t('col.urgency'), select('urgency', URGENCIES.map((s) => [s, t('urgency.' + s)]), tp.urgency)),
    field(t('col.category'), select('category', CATEGORIES.map((s) => [s, t('category.' + s)]), tp.category)),
    field(t('col.region'), select('region', (u.role >= 2 || u.regions === null ? REGIONS : u.regions).map((r) => [r, r]), tp.region, t('noregion'))),
    field(t('place'), el('input', { name: 'place', value: tp.place, maxlength: 200 })),
    field(t('note'), note, t('note.lowering')),
  ], t('act.correct'), (fd) => {
    const body = {};
    for (const k of ['urgency', 'category', 'region', 'place']) if (fd.get(k) !== (tp[k] || '')) body[k] = fd.get(k);
    if (fd.get('note').trim()) body.note = fd.get('note');
    return patch(body);
  });
  const status = actionForm({ 'aria-label': t('act.status'), 'data-action': 'status' }, [
    field(t('col.status'), select('status', STATUSES.map((s) => [s, t('status.' + s)]), tp.status)),
    field(t('note'), el('textarea', { name: 'note', rows: 2, maxlength: 2000, 'data-draft': 'statusnote.' + tp.id }), t('note.status')),
  ], t('act.status'), (fd) => {
    const body = { status: fd.get('status') };
    if (fd.get('note').trim()) body.note = fd.get('note');
    return patch(body);
  });
  const assign = actionForm({ 'aria-label': t('act.assign'), 'data-action': 'assign' }, [el('p', { text: tp.assignee ? t('assigned', { who: tp.assignee }) : t('unassigned') })],
    t('act.assign'), () => patch({ assignee: u.name }));
  const noteForm = actionForm({ 'aria-label': t('act.note'), 'data-action': 'note' }, [field(t('note'), el('textarea', { name: 'note', rows: 3, maxlength: 2000, 'data-draft': 'addnote.' + tp.id }))],
    t('act.note'), (fd) => patch({ note: fd.get('note') }));

  const authSel = el('select', { name: 'authority_id', required: true }, el('option', { value: '', text: t('forward.pick') }));
  const forward = actionForm({ 'aria-label': t('act.forward'), 'data-action': 'forward' }, [field(t('forward.authority'), authSel)], t('act.forward'), async (fd) => {
    await api('POST', '/api/tips/' + encodeURIComponent(tp.id) + '/forward', { authority_id: fd.get('authority_id') });
    setTimeout(reload, 1500);
    return t('forward.done');
  });
  loadAuthorities(authSel, tp.region);
  const blocked = tp.reply && !tp.reply.allowed;
  const reply = actionForm({ 'aria-label': t('act.reply'), 'data-action': 'reply' }, [
    blocked ? el('p', { class: 'refusal', id: 'reply-refusal', text: (M['refusal.' + tp.reply.code] ? t('refusal.' + tp.reply.code) : '') + ' (' + tp.reply.message + ')' }) : null,
    field(t('reply.body'), el('textarea', { name: 'body', rows: 3, maxlength: 1600, required: true, disabled: blocked, 'data-draft': 'reply.' + tp.id }), t('reply.hint'))],
    t('act.reply'), async (fd, f) => {
      await api('POST', '/api/tips/' + encodeURIComponent(tp.id) + '/reply', { body: fd.get('body') });
      f.reset();
      setTimeout(reload, 600);
      return t('reply.done');
    });
  if (blocked) reply.querySelector('button[type=submit]').disabled = true;

  render(t('tip.title', { ref: tp.ref }), head,
    el('div', { class: 'grid' },
      el('div', {}, section(t('conversation'), thread(tp, words)), triage,
        section(t('alerts'), alertsTimeline(tp.id, tp.alerts, tp.audit))),
      el('div', { class: 'actions' }, section(t('act.correct'), correct), section(t('act.status'), status, assign),
        section(t('act.note'), noteForm), section(t('act.forward'), forward), section(t('act.reply'), reply))),
    section(t('audit'), auditTrail(tp.audit)));
}

async function loadAuthorities(sel, region) {
  try {
    const { data } = await api('GET', '/api/authorities');
    const list = (data.authorities || data || []).filter((a) => a.active !== false);
    list.sort((a, b) => (b.regions?.includes(region) ? 1 : 0) - (a.regions?.includes(region) ? 1 : 0));
    for (const a of list) sel.append(el('option', { value: a.id, text: a.name + (a.regions?.length ? ' (' + a.regions.join(', ') + ')' : '') }));
  } catch (err) {
    // Staff may not read the directory: they type the id.
    const input = el('input', { name: 'authority_id', required: true, autocomplete: 'off', id: sel.id });
    sel.replaceWith(input);
  }
}

// --- campaigns ---------------------------------------------------------------

const csvList = (v) => String(v || '').split(',').map((x) => x.trim()).filter(Boolean);

async function campaignsView(my) {
  const { data } = await api('GET', '/api/campaigns');
  if (my !== view) return;
  const list = data.campaigns || [];
  const today = new Date().toISOString().slice(0, 10);
  const create = actionForm({ 'aria-label': t('campaign.create'), 'data-action': 'campaign-create' }, [
    field(t('campaign.name'), el('input', { name: 'name', required: true, 'data-draft': 'campaign.name' })),
    field(t('campaign.regions'), el('input', { name: 'regions', 'data-draft': 'campaign.regions', autocomplete: 'off' }), t('campaign.regions.hint')),
    field(t('campaign.numbers'), el('input', { name: 'numbers', required: true, 'data-draft': 'campaign.numbers', inputmode: 'tel' }), t('campaign.numbers.hint')),
    field(t('campaign.start'), el('input', { name: 'start', type: 'date', required: true, value: today })),
    field(t('campaign.end'), el('input', { name: 'end', type: 'date' })),
  ], t('campaign.create'), async (fd) => {
    const { data: c } = await api('POST', '/api/campaigns', { name: fd.get('name'), regions: csvList(fd.get('regions').toUpperCase()),
      numbers: csvList(fd.get('numbers')), start: fd.get('start'), end: fd.get('end') });
    setTimeout(() => go('/console/campaigns/' + encodeURIComponent(c.id)), 300);
    return t('saved');
  });
  render(t('nav.campaigns'), list.length ? el('ul', { class: 'list' }, list.map((c) => el('li', {},
    el('a', { href: '/console/campaigns/' + encodeURIComponent(c.id), 'data-nav': true, text: c.name || c.id }), ' ',
    el('span', { class: 'hint', text: [(c.regions || []).join(', '), c.start, c.end].filter(Boolean).join(' · ') })))) : el('p', { text: t('campaign.none') }),
  section(t('campaign.create'), create));
}

// barChart draws one bar per row as inline SVG, with its figure as a title.
export function barChart(title, rows, key, label) {
  const w = 560, h = 160, pad = 28;
  const max = Math.max(1, ...rows.map((r) => r[key] || 0));
  const bw = rows.length ? Math.min(48, (w - pad) / rows.length) : 0;
  return sv('svg', { viewBox: `0 0 ${w} ${h + 30}`, role: 'img', 'aria-label': title, class: 'chart' },
    sv('title', {}, title),
    sv('line', { x1: pad, y1: h, x2: w, y2: h, class: 'axis' }),
    sv('text', { x: 0, y: 12, class: 'lbl' }, String(max)),
    rows.map((r, i) => {
      const v = r[key] || 0;
      const bh = (v / max) * (h - 16);
      return sv('g', {}, sv('rect', { x: pad + i * bw + 2, y: h - bh, width: Math.max(1, bw - 4), height: bh, class: 'bar' }, sv('title', {}, `${label(r)}: ${v}`)),
        rows.length <= 16 ? sv('text', { x: pad + i * bw + bw / 2, y: h + 14, 'text-anchor': 'middle', class: 'lbl' }, label(r).slice(-6)) : null);
    }));
}

function figuresCSV(rows) {
  const cols = ['day', 'material_id', 'received', 'critical', 'high', 'medium', 'low', 'forwarded', 'acknowledged', 'noise'];
  const cell = (v) => { const s = String(v ?? ''); return /^[=+\-@]/.test(s) ? "'" + s : s; };
  return [cols.join(',')].concat(rows.map((r) => cols.map((c) => cell(r[c])).join(','))).join('\n') + '\n';
}
function saveText(text, filename, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: filename });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function campaignView(id, my) {
  const { data: c } = await api('GET', '/api/campaigns/' + encodeURIComponent(id));
  if (my !== view) return;
  const materials = c.materials || [];
  let figures = null;
  try {
    figures = (await api('GET', '/api/stats?campaign=' + encodeURIComponent(id))).data.campaign_figures;
  } catch (err) { if (err instanceof SigninNeeded) throw err; }
  if (my !== view) return;
  const edit = actionForm({ 'aria-label': t('campaign.edit'), 'data-action': 'campaign-edit' }, [
    field(t('campaign.name'), el('input', { name: 'name', value: c.name || '', required: true })),
    field(t('campaign.regions'), el('input', { name: 'regions', value: (c.regions || []).join(','), autocomplete: 'off' }), t('campaign.regions.hint')),
    field(t('campaign.numbers'), el('input', { name: 'numbers', value: (c.numbers || []).join(','), inputmode: 'tel' })),
    field(t('campaign.end'), el('input', { name: 'end', type: 'date', value: c.end || '' })),
  ], t('campaign.edit'), async (fd) => {
    const r = await api('PATCH', '/api/campaigns/' + encodeURIComponent(id), { version: c.version, name: fd.get('name'),
      regions: csvList(fd.get('regions').toUpperCase()), numbers: csvList(fd.get('numbers')), end: fd.get('end') });
    c.version = r.data.version;
    return t('saved');
  });
  const addMat = actionForm({ 'aria-label': t('material.add'), 'data-action': 'material-add' }, [
    field(t('material.kind'), select('kind', ['poster', 'flyer', 'radio', 'social', 'other'].map((k) => [k, t('kind.' + k)]), 'poster')),
    field(t('material.label'), el('input', { name: 'label', 'data-draft': 'material.label.' + id })),
    field(t('material.place'), el('input', { name: 'place', 'data-draft': 'material.place.' + id })),
  ], t('material.add'), async (fd) => {
    await api('POST', '/api/campaigns/' + encodeURIComponent(id) + '/materials', { kind: fd.get('kind'), label: fd.get('label'), place: fd.get('place') });
    setTimeout(() => { if (my === view) route(); }, 300);
    return t('saved');
  });
  const matList = el('ul', { class: 'list' }, materials.map((m) => el('li', {},
    el('strong', { text: m.code }), ' ', el('span', { class: 'hint', text: [t('kind.' + m.kind), m.label, m.place].filter(Boolean).join(' · ') }), ' ',
    el('button', { type: 'button', class: 'link', onclick: () => download(m.qr_url, m.code + '-qr.png'), text: t('material.qr') }), ' ',
    el('a', { href: '/console/materials/' + encodeURIComponent(m.id) + '/sheet?campaign=' + encodeURIComponent(id), 'data-nav': true, text: t('material.sheet') }))));
  const days = figures?.by_day || [];
  const perMat = (figures?.by_material || []).map((r) => ({ ...r, code: materials.find((m) => m.id === r.material_id)?.code || r.material_id }));
  render(t('campaign.title', { name: c.name || id }),
    dl([[t('campaign.regions'), (c.regions || []).join(', ') || t('noregion')], [t('campaign.numbers'), (c.numbers || []).join(', ')], [t('campaign.start'), c.start], [t('campaign.end'), c.end]]),
    section(t('figures'),
      days.length ? barChart(t('figures.day'), days, 'received', (r) => r.day) : el('p', { text: t('figures.none') }),
      perMat.length ? barChart(t('figures.material'), perMat, 'received', (r) => r.code) : null,
      el('button', { type: 'button', onclick: () => saveText(figuresCSV([...days, ...perMat]), id + '-figures.csv', 'text/csv'), text: t('figures.csv') })),
    section(t('materials'), materials.length ? matList : el('p', { text: t('material.none') }), addMat), section(t('campaign.edit'), edit));
}

async function sheetView(mid, my) {
  const cid = new URLSearchParams(location.search).get('campaign') || '';
  const { data: c } = await api('GET', '/api/campaigns/' + encodeURIComponent(cid));
  if (my !== view) return;
  const m = (c.materials || []).find((x) => x.id === mid);
  if (!m) { render(t('notfound')); return; }
  const img = el('img', { alt: t('material.qr'), width: 240, height: 240, class: 'qr' });
  const r = await fetch(m.qr_url, { headers: { Authorization: 'Bearer ' + token() } });
  if (r.ok) img.src = URL.createObjectURL(await r.blob());
  render(c.name, el('div', { class: 'sheet' }, img,
    el('p', { class: 'big', text: (c.numbers || [])[0] || '' }),
    el('p', { text: m.whatsapp_text }), el('p', { text: m.sms_text }),
    el('p', { class: 'code', text: t('material.code') + ': ' + m.code })),
  el('button', { type: 'button', class: 'noprint', onclick: () => window.print(), text: t('print') }));
}

// --- authorities ---------------------------------------------------------------

async function authoritiesView(my) {
  const { data } = await api('GET', '/api/authorities');
  if (my !== view) return;
  const list = data.authorities || data || [];
  const edit = (a) => {
    const ta = el('textarea', { name: 'json', rows: 10, class: 'mono' });
    ta.value = JSON.stringify(a, null, 2);
    return actionForm({ 'aria-label': t('authority.edit', { name: a.name }) }, [field(t('authority.json'), ta)], t('authority.save'), async (fd) => {
      let body;
      try { body = JSON.parse(fd.get('json')); } catch { throw new APIError(400, 'invalid', t('authority.badjson')); }
      await api('PUT', '/api/authorities/' + encodeURIComponent(a.id), body);
      return t('saved');
    });
  };
  render(t('nav.authorities'), el('div', {}, list.map((a) => el('details', { class: 'card' },
    el('summary', {}, el('strong', { text: a.name }), ' ', el('span', { class: 'hint', text: [a.id, (a.regions || []).join(', '), a.active === false ? t('inactive') : ''].filter(Boolean).join(' · ') })),
    edit(a)))));
}

// --- start -------------------------------------------------------------------

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  go(a.getAttribute('href'));
  main().focus();
});
window.addEventListener('popstate', route);

async function start() {
  let l = 'es';
  try { l = localStorage.getItem('tipline.lang') || 'es'; } catch { /* private mode */ }
  await loadMessages(l === 'en' ? 'en' : 'es');
  await cognitoFinish();
  document.getElementById('lang').addEventListener('click', async () => {
    await loadMessages(lang === 'es' ? 'en' : 'es');
    chrome();
    if (!document.getElementById('session').hidden) askSignin();
    route();
  });
  document.getElementById('signout').addEventListener('click', signout);
  chrome();
  if (expired()) askSignin();
  // Ask again a minute before the token expires; typed text is kept as drafts.
  setInterval(() => { if (token() && expired()) askSignin(); }, 30000);
  route();
}
start();
