// The majlis moderator dashboard. Plain script, no dependencies, no inline
// code (the page's Content-Security-Policy allows only this file). Every
// text from the server is set with textContent, never parsed as HTML.
(() => {
  'use strict';

  const TEXT = {
    en: {
      title: 'Moderation', signIn: 'Sign in', email: 'Email', password: 'Password',
      signOut: 'Sign out', language: 'العربية', pending: 'Pending', approved: 'Approved',
      spam: 'Spam', rejected: 'Rejected', approve: 'Approve', markSpam: 'Spam', reject: 'Reject',
      edit: 'Edit', save: 'Save', cancel: 'Cancel', more: 'More', undo: 'Undo',
      empty: 'Nothing here.', selected: 'selected', selectAll: 'Select all',
      record: 'Author record', byEmail: 'By email', byIp: 'By address', score: 'Spam score',
      replyTo: 'Reply to comment', article: 'Article', conflict: 'Another moderator already decided this comment; it is now:',
      decided: 'Decided:', failed: 'Failed:', newComments: 'new comments: show them',
      help: 'Keyboard: j / k move, a approve, s spam, r reject, e edit, x select, ? this help.',
      filters: 'Filters', articleId: 'Article id', address: 'Address', minScore: 'Minimum score',
      search: 'Search', apply: 'Apply', clear: 'Clear', loading: 'Loading…', close: 'Close',
      reasons: 'Reasons', noReasons: 'No rule fired.', site: 'Site',
      queue: 'Queue', settings: 'Settings', saved: 'Saved.', onePerLine: 'one per line',
    },
    ar: {
      title: 'الإشراف', signIn: 'تسجيل الدخول', email: 'البريد الإلكتروني', password: 'كلمة المرور',
      signOut: 'تسجيل الخروج', language: 'English', pending: 'بانتظار المراجعة', approved: 'منشورة',
      spam: 'مزعجة', rejected: 'مرفوضة', approve: 'قبول', markSpam: 'مزعج', reject: 'رفض',
      edit: 'تعديل', save: 'حفظ', cancel: 'إلغاء', more: 'المزيد', undo: 'تراجع',
      empty: 'لا شيء هنا.', selected: 'محدّدة', selectAll: 'تحديد الكل',
      record: 'سجل الكاتب', byEmail: 'بالبريد', byIp: 'بالعنوان', score: 'درجة الإزعاج',
      replyTo: 'رد على التعليق', article: 'المقال', conflict: 'سبقك مشرف آخر إلى هذا التعليق؛ حالته الآن:',
      decided: 'تم:', failed: 'تعذّر:', newComments: 'تعليقات جديدة: اعرضها',
      help: 'لوحة المفاتيح: j / k للتنقل، a قبول، s مزعج، r رفض، e تعديل، x تحديد، ? هذه المساعدة.',
      filters: 'تصفية', articleId: 'معرّف المقال', address: 'العنوان', minScore: 'أدنى درجة',
      search: 'بحث', apply: 'تطبيق', clear: 'مسح', loading: 'جارٍ التحميل…', close: 'إغلاق',
      reasons: 'الأسباب', noReasons: 'لم تنطبق أي قاعدة.', site: 'الموقع',
      queue: 'قائمة الانتظار', settings: 'الإعدادات', saved: 'تم الحفظ.', onePerLine: 'عنصر في كل سطر',
    },
  };
  const STATUSES = ['pending', 'approved', 'spam', 'rejected'];
  const ACTIONS = { approve: 'approved', spam: 'spam', reject: 'rejected' };
  const POLL_MS = 15000;
  const UNDO_MS = 6000;

  let lang = localStorage.getItem('majlis.lang') || document.body.dataset.defaultLang || 'ar';
  let csrf = '';
  let me = null;
  const view = {
    status: 'pending', comments: [], cursor: null, focus: -1, selected: new Set(),
    counts: {}, filters: {}, lastPending: null, pollTimer: null, editing: null,
  };
  const app = document.getElementById('app');
  const t = (k) => (TEXT[lang] || TEXT.en)[k] || k;

  // --- DOM helpers: elements from data, text only -------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === false || v === null || v === undefined) continue;
      if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === 'class') el.className = v;
      else if (k in el && k !== 'list' && typeof v !== 'string') el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const fmtNumber = (n) => new Intl.NumberFormat(lang === 'ar' ? 'ar' : 'en').format(n);
  const fmtDate = (s) => {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? s
      : new Intl.DateTimeFormat(lang === 'ar' ? 'ar' : 'en', { dateStyle: 'medium', timeStyle: 'short' }).format(d);
  };

  function applyLang() {
    document.documentElement.lang = lang;
    document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
  }

  // --- The API ------------------------------------------------------------
  async function api(method, path, body, opts = {}) {
    const headers = { Accept: 'application/json', 'Accept-Language': lang };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (opts.poll) headers['X-Majlis-Poll'] = '1';
    if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
    let r;
    try {
      r = await fetch(path, {
        method, headers, credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      return { status: 0, data: { error: { message: String(e) } } };
    }
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    if (r.status === 401 && !opts.quiet) showLogin();
    return { status: r.status, data, headers: r.headers };
  }
  const errorText = (res) => (res.data && res.data.error && res.data.error.message) || `HTTP ${res.status}`;

  // --- Sign-in --------------------------------------------------------------
  function showLogin(message) {
    stopPolling();
    me = null;
    csrf = '';
    document.title = 'majlis';
    const error = h('p', { class: 'error', role: 'alert' }, message || '');
    const form = h('form', { class: 'login', 'data-majlis': 'login', novalidate: true },
      h('h1', {}, t('title')),
      h('label', {}, t('email'), h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
      h('label', {}, t('password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      error,
      h('button', { type: 'submit' }, t('signIn')),
      h('button', { type: 'button', class: 'link', on: { click: toggleLang } }, t('language')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const fd = new FormData(form);
      const res = await api('POST', '/moderate/session',
        { email: fd.get('email'), password: fd.get('password') }, { quiet: true });
      if (res.status === 200) {
        signedIn(res.data);
      } else {
        const fields = res.data && res.data.error && res.data.error.fields;
        const detail = fields ? Object.values(fields).flat().map((f) => f.message).join(' ') : '';
        error.textContent = [errorText(res), detail].filter(Boolean).join(' ');
      }
    });
    app.replaceChildren(form);
    form.querySelector('input').focus();
  }

  function signedIn(session) {
    me = session.moderator;
    csrf = session.csrf_token;
    view.status = 'pending';
    showQueue();
    startPolling();
  }

  async function signOut() {
    await api('DELETE', '/moderate/session', undefined, { quiet: true });
    showLogin();
  }

  function toggleLang() {
    lang = lang === 'ar' ? 'en' : 'ar';
    localStorage.setItem('majlis.lang', lang);
    applyLang();
    if (me) renderQueue(); else showLogin();
  }

  // --- The queue --------------------------------------------------------------
  function queuePath(cursor) {
    const q = new URLSearchParams({ status: view.status, limit: '50' });
    for (const [k, v] of Object.entries(view.filters)) if (v) q.set(k, v);
    if (cursor) q.set('cursor', cursor);
    return `/api/v1/moderation/comments?${q}`;
  }

  async function showQueue() {
    view.comments = [];
    view.cursor = null;
    view.focus = -1;
    view.selected.clear();
    app.replaceChildren(h('p', { class: 'loading' }, t('loading')));
    const [list] = await Promise.all([api('GET', queuePath()), refreshCounts()]);
    if (list.status !== 200) { if (list.status !== 401) app.replaceChildren(h('p', { class: 'error' }, errorText(list))); return; }
    view.comments = list.data.comments;
    view.cursor = list.data.next_cursor;
    view.focus = view.comments.length ? 0 : -1;
    renderQueue();
  }

  async function more() {
    if (!view.cursor) return;
    const res = await api('GET', queuePath(view.cursor));
    if (res.status !== 200) return toast(errorText(res));
    view.comments.push(...res.data.comments);
    view.cursor = res.data.next_cursor;
    renderQueue();
  }

  async function refreshCounts() {
    const res = await api('GET', '/api/v1/moderation/counts', undefined, { poll: true });
    if (res.status !== 200) return;
    view.counts = res.data;
    const pending = res.data.pending;
    document.title = pending ? `(${fmtNumber(pending)}) majlis` : 'majlis';
    for (const s of STATUSES) {
      const el = app.querySelector(`[data-status="${s}"] .count`);
      if (el) el.textContent = fmtNumber(res.data[s] || 0);
    }
    if (view.lastPending !== null && pending > view.lastPending && view.status === 'pending') {
      const note = app.querySelector('.new-comments');
      if (note) {
        note.hidden = false;
        note.textContent = `${fmtNumber(pending - view.lastPending)} ${t('newComments')}`;
      }
    }
    if (view.lastPending === null || view.status !== 'pending') view.lastPending = pending;
  }

  function startPolling() {
    stopPolling();
    view.pollTimer = setInterval(refreshCounts, POLL_MS);
  }
  function stopPolling() {
    if (view.pollTimer) clearInterval(view.pollTimer);
    view.pollTimer = null;
  }

  function renderQueue() {
    applyLang();
    const tabs = h('nav', { class: 'tabs', 'aria-label': t('title') },
      STATUSES.map((s) => h('button', {
        type: 'button', 'data-status': s, 'aria-current': s === view.status ? 'page' : false,
        on: { click: () => { view.status = s; view.lastPending = null; showQueue(); } },
      }, t(s), ' ', h('span', { class: 'count' }, fmtNumber(view.counts[s] || 0)))));
    const header = topBar();
    const newNote = h('button', {
      type: 'button', class: 'new-comments', hidden: true,
      on: { click: () => { view.lastPending = null; showQueue(); } },
    });
    const list = h('ol', { class: 'queue' }, view.comments.map((c, i) => card(c, i)));
    const body = view.comments.length ? list : h('p', { class: 'empty' }, t('empty'));
    const moreButton = view.cursor ? h('button', { type: 'button', class: 'more', on: { click: more } }, t('more')) : null;
    app.replaceChildren(header, tabs, filters(), bulkBar(), newNote, body, moreButton,
      h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
    focusCard(view.focus, false);
  }

  function topBar() {
    return h('header', { class: 'bar' },
      h('h1', {}, t('title')),
      h('nav', { class: 'pages' },
        h('button', { type: 'button', class: 'link', 'data-page': 'queue', on: { click: () => { view.page = 'queue'; showQueue(); } } }, t('queue')),
        me && me.role === 'admin'
          ? h('button', { type: 'button', class: 'link', 'data-page': 'settings', on: { click: showSettings } }, t('settings'))
          : null),
      h('span', { class: 'who' }, me ? me.display_name : ''),
      h('button', { type: 'button', class: 'link', on: { click: toggleLang } }, t('language')),
      h('button', { type: 'button', class: 'link', 'data-majlis': 'sign-out', on: { click: signOut } }, t('signOut')));
  }

  // --- Settings (admins) ----------------------------------------------------------
  const CHOICES = { approval_mode: ['all', 'first_time', 'none'], avatar: ['keyed', 'gravatar', 'none'] };

  async function showSettings() {
    view.page = 'settings';
    const res = await api('GET', '/api/v1/admin/settings');
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    const current = res.data;
    const inputs = {};
    const rows = Object.entries(current).map(([key, value]) => {
      let input;
      if (typeof value === 'boolean') {
        input = h('input', { type: 'checkbox', name: key, checked: value });
      } else if (Array.isArray(value)) {
        input = h('textarea', { name: key, rows: 3, dir: 'auto', 'aria-describedby': `hint-${key}` });
        input.value = value.join('\n');
      } else if (CHOICES[key]) {
        input = h('select', { name: key }, CHOICES[key].map((c) => h('option', { value: c, selected: c === value }, c)));
      } else {
        input = h('input', { name: key, type: typeof value === 'number' ? 'number' : 'text', step: 'any', value: String(value), dir: 'auto' });
      }
      inputs[key] = input;
      return h('div', { class: 'setting' },
        h('label', { for: `setting-${key}` }, key.replace(/_/g, ' ')),
        Object.assign(input, { id: `setting-${key}` }),
        Array.isArray(value) ? h('small', { id: `hint-${key}` }, t('onePerLine')) : null,
        h('p', { class: 'error field-error', 'data-field-error': key, role: 'alert' }));
    });
    const form = h('form', { class: 'settings', 'data-majlis': 'settings' }, rows, h('button', { type: 'submit' }, t('save')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const patch = {};
      for (const [key, value] of Object.entries(current)) {
        const input = inputs[key];
        let next;
        if (typeof value === 'boolean') next = input.checked;
        else if (Array.isArray(value)) next = input.value.split('\n').map((x) => x.trim()).filter(Boolean);
        else if (typeof value === 'number') next = input.value.trim() === '' ? null : Number(input.value);
        else next = input.value;
        if (JSON.stringify(next) !== JSON.stringify(value)) patch[key] = next;
      }
      for (const el of form.querySelectorAll('[data-field-error]')) el.textContent = '';
      if (!Object.keys(patch).length) return;
      const saved = await api('PATCH', '/api/v1/admin/settings', patch);
      if (saved.status === 200) {
        Object.assign(current, saved.data);
        toast(t('saved'));
      } else if (saved.data && saved.data.error && saved.data.error.fields) {
        for (const [key, problems] of Object.entries(saved.data.error.fields)) {
          const el = form.querySelector(`[data-field-error="${key}"]`);
          if (el) el.textContent = problems.map((p) => p.message).join(' ');
        }
      } else toast(errorText(saved));
    });
    app.replaceChildren(topBar(), h('h2', {}, t('settings')), form,
      h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
  }

  function filters() {
    const field = (name, label, type = 'text') => h('label', {}, label,
      h('input', { name, type, value: view.filters[name] || '', dir: 'auto' }));
    const form = h('form', { class: 'filters', role: 'search' },
      h('details', { open: Object.values(view.filters).some(Boolean) },
        h('summary', {}, t('filters')),
        field('q', t('search'), 'search'), field('article_id', t('articleId')), field('email', t('email'), 'email'),
        field('ip', t('address')), field('min_score', t('minScore'), 'number'), field('site', t('site')),
        h('button', { type: 'submit' }, t('apply')),
        h('button', { type: 'button', class: 'link', on: { click: () => { view.filters = {}; showQueue(); } } }, t('clear'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const fd = new FormData(form);
      view.filters = {};
      for (const [k, v] of fd.entries()) if (String(v).trim()) view.filters[k] = String(v).trim();
      showQueue();
    });
    return form;
  }

  function bulkBar() {
    const n = view.selected.size;
    const act = (action) => h('button', {
      type: 'button', 'data-action': action, disabled: n === 0, on: { click: () => bulk(ACTIONS[action]) },
    }, t(action === 'spam' ? 'markSpam' : action));
    return h('div', { class: 'bulk', 'data-majlis': 'bulk', role: 'toolbar' },
      h('label', {}, h('input', {
        type: 'checkbox', checked: n > 0 && n === view.comments.length,
        on: { change: (ev) => { view.selected = new Set(ev.target.checked ? view.comments.map((c) => c.id) : []); renderQueue(); } },
      }), t('selectAll')),
      h('span', { class: 'n' }, `${fmtNumber(n)} ${t('selected')}`),
      act('approve'), act('spam'), act('reject'));
  }

  function initials(name) {
    const parts = String(name || '?').trim().split(/\s+/).slice(0, 2);
    return parts.map((p) => Array.from(p)[0] || '').join('').toUpperCase() || '?';
  }

  function card(c, i) {
    const reasons = Array.isArray(c.spam_reasons) ? c.spam_reasons : [];
    const actions = Object.keys(ACTIONS).filter((a) => ACTIONS[a] !== c.status).map((a) => h('button', {
      type: 'button', 'data-action': a, on: { click: () => decide(c.id, ACTIONS[a]) },
    }, t(a === 'spam' ? 'markSpam' : a)));
    return h('li', {
      class: 'comment', 'data-comment-id': c.id, tabindex: -1, 'data-selected': view.selected.has(c.id) ? 'true' : 'false',
      on: { focus: () => { view.focus = i; } },
    },
    h('div', { class: 'head' },
      h('input', {
        type: 'checkbox', 'aria-label': `${t('selected')} #${c.id}`, checked: view.selected.has(c.id),
        on: { change: () => toggleSelect(c.id) },
      }),
      h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(c.author_name)),
      h('span', { class: 'author', dir: 'auto' }, c.author_name),
      h('span', { class: 'email', dir: 'ltr' }, c.author_email),
      c.ip ? h('span', { class: 'ip', dir: 'ltr' }, c.ip) : null,
      c.author_url ? h('span', { class: 'url', dir: 'ltr' }, c.author_url) : null,
      h('time', { datetime: c.created_at }, fmtDate(c.created_at))),
    h('div', { class: 'where' },
      `${t('article')}: `, h('span', { dir: 'auto' }, c.site && c.site !== 'default' ? `${c.site} · ${c.article_id}` : c.article_id),
      c.parent_id ? h('span', { class: 'parent' }, ` · ${t('replyTo')} #${c.parent_id}`) : null),
    h('div', { class: 'body', dir: 'auto' }, c.body),
    h('details', { class: 'score' },
      h('summary', {}, `${t('score')}: ${fmtNumber(Math.round(c.spam_score * 100) / 100)}`),
      reasons.length
        ? h('ul', {}, reasons.map((r) => h('li', {}, h('code', {}, r.rule), ` ${fmtNumber(r.score)} `, h('span', { dir: 'auto' }, r.detail || ''))))
        : h('p', {}, t('noReasons'))),
    h('details', { class: 'record', on: { toggle: (ev) => { if (ev.target.open) loadRecord(c.id, ev.target); } } },
      h('summary', {}, t('record')), h('p', {}, t('loading'))),
    h('p', { class: 'notice', role: 'status' }),
    h('div', { class: 'actions' }, actions,
      h('button', { type: 'button', 'data-action': 'edit', on: { click: () => startEdit(c.id) } }, t('edit'))));
  }

  async function loadRecord(id, el) {
    const res = await api('GET', `/api/v1/moderation/comments/${id}`);
    if (res.status !== 200) { el.lastChild.textContent = errorText(res); return; }
    const rec = res.data.author_record || {};
    const line = (label, counts) => counts ? h('p', {}, `${label}: `,
      STATUSES.map((s) => `${t(s)} ${fmtNumber(counts[s] || 0)}`).join(' · ')) : null;
    el.replaceChildren(h('summary', {}, t('record')), line(t('byEmail'), rec.by_email), line(t('byIp'), rec.by_ip));
  }

  const cardEl = (id) => app.querySelector(`[data-comment-id="${id}"]`);
  function focusCard(i, scroll = true) {
    const cards = app.querySelectorAll('.comment');
    if (!cards.length) { view.focus = -1; return; }
    view.focus = Math.max(0, Math.min(i, cards.length - 1));
    const el = cards[view.focus];
    if (scroll || document.activeElement === document.body) el.focus({ preventScroll: !scroll });
  }
  function toggleSelect(id) {
    if (view.selected.has(id)) view.selected.delete(id); else view.selected.add(id);
    renderQueue();
  }

  // --- Decisions --------------------------------------------------------------
  function toast(message, undo) {
    const box = app.querySelector('.toasts');
    if (!box) return;
    const item = h('div', { class: 'toast' }, message,
      undo ? h('button', { type: 'button', 'data-action': 'undo', on: { click: () => { item.remove(); undo(); } } }, t('undo')) : null);
    box.append(item);
    setTimeout(() => item.remove(), UNDO_MS);
  }

  async function decide(id, status, body) {
    const c = view.comments.find((x) => x.id === id);
    if (!c) return;
    const patch = body === undefined ? { status } : { body };
    const res = await api('PATCH', `/api/v1/moderation/comments/${id}`, patch, { ifMatch: `"${c.version}"` });
    if (res.status === 200) {
      const before = c.status;
      const updated = res.data;
      const stays = updated.status === view.status;
      const index = view.comments.indexOf(c);
      if (stays) view.comments[index] = updated; else view.comments.splice(index, 1);
      view.selected.delete(id);
      renderQueue();
      refreshCounts();
      if (body === undefined && before !== updated.status) {
        toast(`${t('decided')} #${id} → ${t(updated.status)}`, async () => {
          const back = await api('PATCH', `/api/v1/moderation/comments/${id}`, { status: before },
            { ifMatch: `"${updated.version}"` });
          if (back.status === 200) { showQueue(); } else toast(errorText(back));
        });
      }
    } else if (res.status === 412) {
      // Someone else decided first: show what they did, never overwrite it.
      const now = await api('GET', `/api/v1/moderation/comments/${id}`);
      if (now.status === 200) {
        const index = view.comments.indexOf(c);
        view.comments[index] = now.data;
        renderQueue();
        const el = cardEl(id);
        if (el) {
          el.classList.add('conflict');
          el.querySelector('.notice').textContent = `${t('conflict')} ${t(now.data.status)}`;
        }
      } else toast(errorText(res));
    } else if (res.status !== 401) {
      const el = cardEl(id);
      if (el) el.querySelector('.notice').textContent = errorText(res);
    }
  }

  async function bulk(status) {
    const ids = view.comments.filter((c) => view.selected.has(c.id)).map((c) => c.id);
    if (!ids.length) return;
    const res = await api('POST', '/api/v1/moderation/comments/bulk', { ids, status });
    if (res.status !== 200) return toast(errorText(res));
    const failed = res.data.results.filter((r) => !r.ok);
    const done = new Set(res.data.results.filter((r) => r.ok).map((r) => r.id));
    view.comments = view.comments.filter((c) => !(done.has(c.id) && status !== view.status));
    view.selected = new Set(failed.map((r) => r.id));
    renderQueue();
    refreshCounts();
    toast(`${t('decided')} ${fmtNumber(done.size)}` + (failed.length ? ` · ${t('failed')} ${fmtNumber(failed.length)}` : ''));
    for (const r of failed) {
      const el = cardEl(r.id);
      if (el) el.querySelector('.notice').textContent = r.error.message;
    }
  }

  function startEdit(id) {
    const c = view.comments.find((x) => x.id === id);
    const el = cardEl(id);
    if (!c || !el) return;
    const area = h('textarea', { dir: 'auto', rows: 5, 'aria-label': t('edit') });
    area.value = c.body;
    const form = h('form', { class: 'edit' }, area,
      h('button', { type: 'submit' }, t('save')),
      h('button', { type: 'button', on: { click: renderQueue } }, t('cancel')));
    form.addEventListener('submit', (ev) => { ev.preventDefault(); decide(id, c.status, area.value); });
    el.querySelector('.body').replaceWith(form);
    area.focus();
  }

  // --- Keyboard ----------------------------------------------------------------
  function showHelp() {
    const dialog = h('div', { class: 'help', role: 'dialog', 'aria-modal': 'true', 'aria-label': '?' },
      h('p', {}, t('help')),
      h('button', { type: 'button', on: { click: () => dialog.remove() } }, t('close')));
    app.append(dialog);
    dialog.querySelector('button').focus();
  }

  document.addEventListener('keydown', (ev) => {
    if (!me || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const tag = (ev.target && ev.target.tagName) || '';
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) && ev.key !== 'Escape') return;
    if (ev.key === 'Escape') { const d = app.querySelector('.help'); if (d) d.remove(); return; }
    const current = view.comments[view.focus];
    const keys = {
      j: () => focusCard(view.focus + 1), k: () => focusCard(view.focus - 1),
      a: () => current && decide(current.id, 'approved'), s: () => current && decide(current.id, 'spam'),
      r: () => current && decide(current.id, 'rejected'), e: () => current && startEdit(current.id),
      x: () => { if (current) { toggleSelect(current.id); focusCard(view.focus); } }, '?': showHelp,
    };
    const fn = keys[ev.key];
    if (fn) { ev.preventDefault(); fn(); }
  });

  // --- Start ---------------------------------------------------------------------
  applyLang();
  api('GET', '/moderate/session', undefined, { quiet: true }).then((res) => {
    if (res.status === 200) signedIn(res.data); else showLogin();
  });
})();
