// majlis: the comment widget of an article page, loaded by /embed.js. It
// draws into a Shadow DOM on <div id="majlis-comments">, so the page's
// styles and its own never meet; every text from the server is set as
// text, never parsed as HTML (bodies use the server's sanitized
// body_html). No dependencies.
(() => {
  'use strict';
  const me = document.currentScript;
  const root = document.getElementById('majlis-comments');
  if (!me || !root || root.shadowRoot) return;
  const base = me.src.replace(/\/embed\/assets\/[^/]+$/, '');
  const cfg = root.dataset;
  const lang = /^en/i.test(cfg.lang || document.documentElement.lang || '') ? 'en' : 'ar';
  const TEXT = {
    en: {
      one: '1 comment', many: '{n} comments', none: 'No comments yet. Be the first.', reply: 'Reply',
      replyTo: 'In reply to', cancelReply: 'Cancel reply', leave: 'Leave a comment',
      note: 'Your email address will not be published. Required fields are marked *',
      author: 'Name', email: 'Email', url: 'Website', comment: 'Comment', post: 'Post Comment',
      consent: 'Save my name, email, and website in this browser for the next time I comment.',
      notify: 'Email me when my comment is published and when someone replies.',
      pending: 'Your comment is awaiting moderation. Only you can see it.', more: 'More comments',
      oldest: 'Oldest first', newest: 'Newest first', order: 'Order', edit: 'Edit', del: 'Delete',
      save: 'Save', cancel: 'Cancel', sending: 'Sending…', closed: 'Comments are closed.',
      failed: 'Could not reach the comments server. Try again.', deleted: 'Your comment was deleted.',
      confirmDelete: 'Delete your comment?', honeypot: 'Leave this field empty',
      report: 'Report', why: 'Why should moderators look at this comment?', details: 'Details (optional)', send: 'Send report',
      reasons: { spam: 'Spam or advertising', abuse: 'Abusive or hateful', off_topic: 'Off topic', misinformation: 'False or misleading', other: 'Something else' },
    },
    ar: {
      one: 'تعليق واحد', many: '{n} تعليقات', none: 'لا تعليقات بعد. كن أول من يعلّق.', reply: 'رد',
      replyTo: 'ردًّا على', cancelReply: 'إلغاء الرد', leave: 'اترك تعليقاً',
      note: 'لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *',
      author: 'الاسم', email: 'البريد الإلكتروني', url: 'الموقع الإلكتروني', comment: 'التعليق', post: 'إرسال التعليق',
      consent: 'احفظ اسمي، بريدي الإلكتروني، والموقع الإلكتروني في هذا المتصفح لاستخدامها المرة المقبلة في تعليقي.',
      notify: 'راسلني بالبريد عند نشر تعليقي وعند الرد عليه.',
      pending: 'تعليقك بانتظار المراجعة. لا يراه غيرك.', more: 'مزيد من التعليقات',
      oldest: 'الأقدم أولًا', newest: 'الأحدث أولًا', order: 'الترتيب', edit: 'تعديل', del: 'حذف',
      save: 'حفظ', cancel: 'إلغاء', sending: 'جارٍ الإرسال…', closed: 'التعليقات مغلقة.',
      failed: 'تعذّر الوصول إلى خادم التعليقات. حاول مجددًا.', deleted: 'حُذف تعليقك.',
      confirmDelete: 'هل تريد حذف تعليقك؟', honeypot: 'اترك هذا الحقل فارغاً',
      report: 'إبلاغ', why: 'لماذا ينبغي للمشرفين مراجعة هذا التعليق؟', details: 'تفاصيل (اختياري)', send: 'أرسل البلاغ',
      reasons: { spam: 'إزعاج أو إعلان', abuse: 'مسيء أو يحض على الكراهية', off_topic: 'خارج الموضوع', misinformation: 'كاذب أو مضلّل', other: 'سبب آخر' },
    },
  }[lang];
  // API field names to the form's (WordPress) names.
  const FIELDS = { author_name: 'author', author_email: 'email', author_url: 'url', body: 'comment' };
  const MAX_DEPTH = 3;
  const OWN_KEY = 'majlis.own';
  const AUTHOR_KEY = 'majlis.author';
  const READER_KEY = 'majlis.reader';
  // The returning-commenter token of the 201, kept only when the reader
  // asked the browser to remember them (the form's consent box).
  const COMMENTER_KEY = 'majlis.commenter';
  const site = cfg.site || '';
  const articleId = cfg.articleId || '';
  const state = { comments: [], cursor: null, total: 0, order: cfg.order === 'newest' ? 'newest' : 'oldest', token: '', closed: false, parent: null, loads: 0 };

  const CSS = `:host{--majlis-fg:#1b1f23;--majlis-muted:#57606a;--majlis-bg:transparent;--majlis-panel:#f6f8fa;
--majlis-border:#d0d7de;--majlis-accent:#0b5cad;--majlis-error:#b42318;--majlis-radius:.5rem;
--majlis-font:inherit;display:block;color:var(--majlis-fg);background:var(--majlis-bg);font:var(--majlis-font);line-height:1.6}
@media (prefers-color-scheme:dark){:host{--majlis-fg:#e6edf3;--majlis-muted:#9da7b3;--majlis-panel:#161b22;
--majlis-border:#30363d;--majlis-accent:#58a6ff;--majlis-error:#f85149}}
*{box-sizing:border-box}[hidden]{display:none!important}
.head{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;justify-content:space-between}
h2{font-size:1.25em;margin:.5em 0}h3{font-size:1.1em;margin:1em 0 .5em}
ol{list-style:none;margin:0;padding:0}ol ol{padding-inline-start:1.25rem;border-inline-start:2px solid var(--majlis-border)}
li>article{padding:.75rem 0}header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.avatar{display:inline-grid;place-items:center;width:2.25rem;height:2.25rem;border-radius:50%;background:var(--majlis-accent);
color:#fff;font-weight:600;overflow:hidden;flex:none}.avatar img{width:100%;height:100%}
.name{font-weight:600}.meta,.to{color:var(--majlis-muted);font-size:.9em}
.body{overflow-wrap:anywhere;unicode-bidi:plaintext}.body p{margin:.4em 0}
a{color:var(--majlis-accent)}button{font:inherit;cursor:pointer;border-radius:var(--majlis-radius);
border:1px solid var(--majlis-border);background:var(--majlis-panel);color:var(--majlis-fg);padding:.35rem .8rem;min-height:2.25rem}
.link{border:none;background:none;color:var(--majlis-accent);padding:.2rem .3rem;text-decoration:underline}
.notice{background:var(--majlis-panel);border-inline-start:3px solid var(--majlis-accent);padding:.4rem .6rem;margin:.4rem 0}
form{display:grid;gap:.6rem;margin-block:1rem}.field{display:grid;gap:.2rem}
input,textarea,select{font:inherit;color:var(--majlis-fg);background:transparent;border:1px solid var(--majlis-border);
border-radius:var(--majlis-radius);padding:.45rem;width:100%}.check{display:flex;gap:.5rem;align-items:start}
.check input{width:auto;margin-top:.35rem}.error{color:var(--majlis-error);margin:0;font-size:.9em}.error:empty{display:none}
:focus-visible{outline:3px solid var(--majlis-accent);outline-offset:2px}.own{background:var(--majlis-panel)}`;

  // --- small helpers ----------------------------------------------------
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'on') for (const [e, f] of Object.entries(v)) el.addEventListener(e, f);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false) el.append(k);
    return el;
  }
  const read = (key) => { try { return JSON.parse(localStorage.getItem(key)) || null; } catch (e) { return null; } };
  const write = (key, v) => { try { if (v === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(v)); } catch (e) { /* storage off */ } };
  const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  function ago(iso) {
    const secs = (Date.parse(iso) - Date.now()) / 1000;
    for (const [unit, size] of [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]]) {
      if (Math.abs(secs) >= size) return rel.format(Math.round(secs / size), unit);
    }
    return rel.format(0, 'second');
  }
  const initials = (name) => (String(name).trim().split(/\s+/).slice(0, 2).map((w) => Array.from(w)[0] || '').join('') || '?').toUpperCase();
  const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined));

  async function api(method, path, body, token) {
    const headers = { Accept: 'application/json', 'Accept-Language': lang };
    if (body) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      const r = await fetch(base + path, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'omit', mode: 'cors' });
      let data = null;
      try { data = await r.json(); } catch (e) { data = null; }
      return { status: r.status, data };
    } catch (e) {
      return { status: 0, data: null };
    }
  }

  // Own comments: the edit token of the 201, until its window closes.
  function own() {
    const all = read(OWN_KEY) || {};
    const now = Date.now();
    for (const [id, o] of Object.entries(all)) if (!o || Date.parse(o.until) < now) delete all[id];
    return all;
  }
  function remember(c) {
    const all = own();
    all[c.id] = { token: c.edit_token, until: c.edit_until, article: articleId, comment: { ...c, edit_token: undefined, commenter_token: undefined } };
    write(OWN_KEY, all);
  }
  function forget(id) { const all = own(); delete all[id]; write(OWN_KEY, all); }

  // --- the thread ------------------------------------------------------------
  // Replies follow their parent, nested up to MAX_DEPTH levels, then flat.
  function nest(list) {
    const ids = new Set(list.map((c) => c.id));
    const kids = new Map();
    const roots = [];
    for (const c of list) {
      if (c.parent_id && ids.has(c.parent_id)) {
        if (!kids.has(c.parent_id)) kids.set(c.parent_id, []);
        kids.get(c.parent_id).push(c);
      } else roots.push(c);
    }
    const out = [];
    const stack = roots.slice().reverse().map((c) => [c, 0]);
    while (stack.length) {
      const [c, depth] = stack.pop();
      out.push([c, Math.min(depth, MAX_DEPTH - 1), depth >= MAX_DEPTH]);
      for (const k of (kids.get(c.id) || []).slice().reverse()) stack.push([k, depth + 1]);
    }
    return out;
  }

  function avatar(c) {
    const service = cfg.avatarService;
    if (service && c.avatar) {
      return h('span', { class: 'avatar', 'aria-hidden': 'true' },
        h('img', { src: service.replace('{hash}', encodeURIComponent(c.avatar)), alt: '', loading: 'lazy' }));
    }
    return h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(c.author_name));
  }

  function item(c, flat, names, mine) {
    const body = h('div', { class: 'body', dir: 'auto' });
    body.innerHTML = c.body_html; // sanitized by the server (ammonia)
    const name = c.author_url
      ? h('a', { class: 'name', href: c.author_url, rel: 'nofollow ugc noopener', dir: 'auto' }, c.author_name)
      : h('span', { class: 'name', dir: 'auto' }, c.author_name);
    const actions = h('div', {},
      state.closed ? null : h('button', { type: 'button', class: 'link', 'data-action': 'reply', on: { click: () => replyTo(c) } }, TEXT.reply),
      mine ? h('button', { type: 'button', class: 'link', 'data-action': 'edit', on: { click: () => edit(c, mine) } }, TEXT.edit) : null,
      mine ? h('button', { type: 'button', class: 'link', 'data-action': 'delete', on: { click: () => remove(c, mine) } }, TEXT.del) : null,
      c.status === 'approved' && !mine ? h('button', { type: 'button', class: 'link', 'data-action': 'report', on: { click: () => report(c) } }, TEXT.report) : null);
    return h('li', { id: `comment-${c.id}`, 'data-comment-id': c.id, class: mine ? 'own' : null },
      h('article', { 'aria-labelledby': `by-${c.id}` },
        h('header', {}, avatar(c), h('span', { id: `by-${c.id}` }, name),
          h('a', { class: 'meta', href: `#comment-${c.id}` }, h('time', { datetime: c.created_at, title: new Date(c.created_at).toLocaleString(lang) }, ago(c.created_at)))),
        flat && names.has(c.parent_id) ? h('p', { class: 'to' }, `${TEXT.replyTo} `, h('span', { dir: 'auto' }, names.get(c.parent_id))) : null,
        c.status === 'pending' ? h('p', { class: 'notice', 'data-majlis': 'pending-notice', role: 'status' }, TEXT.pending) : null,
        body, actions));
  }

  function list() {
    const mine = own();
    const shown = new Set(state.comments.map((c) => c.id));
    // The reader's own pending comments: only they see them.
    const extra = Object.values(mine).filter((o) => o.article === articleId && !shown.has(o.comment.id) && o.comment.status === 'pending').map((o) => o.comment);
    const all = state.order === 'oldest' ? state.comments.concat(extra) : extra.reverse().concat(state.comments);
    const names = new Map(all.map((c) => [c.id, c.author_name]));
    const top = h('ol', {});
    const lists = [top];
    let last = null;
    for (const [c, depth, flat] of nest(all)) {
      while (lists.length > depth + 1) lists.pop();
      if (lists.length < depth + 1 && last) {
        const sub = h('ol', {});
        last.append(sub);
        lists.push(sub);
      }
      last = item(c, flat, names, mine[c.id]);
      lists[lists.length - 1].append(last);
    }
    return top;
  }

  // --- the form ----------------------------------------------------------------
  const status = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });
  let form;
  function field(name, label, required, control) {
    control.id = `majlis-${name}`;
    control.name = name;
    if (required) control.required = true;
    return h('div', { class: 'field' },
      h('label', { for: control.id }, label, required ? h('span', { 'aria-hidden': 'true' }, ' *') : null),
      control, h('p', { class: 'error', 'data-field-error': name, id: `majlis-${name}-error`, 'aria-live': 'assertive' }));
  }
  function buildForm() {
    const saved = read(AUTHOR_KEY);
    const input = (type, auto, value) => h('input', { type, autocomplete: auto, value: value || null });
    form = h('form', { 'data-majlis': 'comment-form', novalidate: true, id: 'respond' },
      h('h3', { id: 'majlis-leave' }, TEXT.leave),
      h('p', { class: 'replying', hidden: true }, h('span', {}), ' ',
        h('button', { type: 'button', class: 'link', on: { click: () => replyTo(null) } }, TEXT.cancelReply)),
      h('p', { class: 'meta' }, TEXT.note),
      field('comment', TEXT.comment, true, h('textarea', { rows: '6', dir: 'auto' })),
      field('author', TEXT.author, true, input('text', 'name', saved && saved.author)),
      field('email', TEXT.email, true, input('email', 'email', saved && saved.email)),
      field('url', TEXT.url, false, input('url', 'url', saved && saved.url)),
      // People and assistive technology never see it; bots fill it in.
      h('div', { hidden: true, 'aria-hidden': 'true' }, h('input', { name: 'honeypot', tabindex: '-1', autocomplete: 'off', 'aria-label': TEXT.honeypot })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'wp-comment-cookies-consent', checked: saved ? true : null }), TEXT.consent),
      h('p', { class: 'error', 'data-field-error': 'form', role: 'alert' }),
      h('div', {}, h('button', { type: 'submit' }, TEXT.post)));
    for (const [name] of [['comment'], ['author'], ['email'], ['url']]) {
      form.elements[name].setAttribute('aria-describedby', `majlis-${name}-error`);
    }
    form.addEventListener('submit', submit);
    offerNotify();
    return form;
  }

  // "Email me about replies", only when the server sends mail (the form
  // token says so), after the consent box.
  function offerNotify() {
    if (!form || !state.notifications || form.elements.notify_replies) return;
    const consent = form.elements['wp-comment-cookies-consent'].closest('label');
    consent.after(h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'notify_replies' }), TEXT.notify));
  }

  function showErrors(res) {
    for (const el of form.querySelectorAll('[data-field-error]')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const error = res.data && res.data.error;
    const fields = (error && error.fields) || {};
    let first = null;
    for (const [key, problems] of Object.entries(fields)) {
      const name = FIELDS[key] || 'form';
      const el = form.querySelector(`[data-field-error="${name}"]`);
      if (el) el.textContent = problems.map((p) => p.message).join(' ');
      if (form.elements[name]) { form.elements[name].setAttribute('aria-invalid', 'true'); first = first || form.elements[name]; }
    }
    if (!Object.keys(fields).length || !first) {
      form.querySelector('[data-field-error="form"]').textContent = (error && error.message) || TEXT.failed;
    }
    if (first) first.focus();
  }

  async function submit(ev) {
    ev.preventDefault();
    const f = form.elements;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    const post = () => {
      const kept = read(COMMENTER_KEY);
      return api('POST', '/api/v1/comments', {
        article_id: articleId, site: site || undefined, parent_id: state.parent ? state.parent.id : undefined,
        author_name: f.author.value, author_email: f.email.value, author_url: f.url.value || undefined,
        body: f.comment.value, honeypot: f.honeypot.value, form_token: state.token || undefined,
        article_url: cfg.articleUrl || undefined, article_title: cfg.articleTitle || undefined,
        commenter_token: typeof kept === 'string' ? kept : undefined,
        notify_replies: f.notify_replies && f.notify_replies.checked ? true : undefined,
      });
    };
    let res = await post();
    // A kept token the server no longer takes is dropped, not shown.
    if (res.status === 422 && res.data && res.data.error && res.data.error.fields && res.data.error.fields.commenter_token) {
      write(COMMENTER_KEY, null);
      res = await post();
    }
    button.disabled = false;
    if (res.status !== 201) return showErrors(res);
    showErrors({ data: {} });
    const c = res.data;
    const keep = f['wp-comment-cookies-consent'].checked;
    write(AUTHOR_KEY, keep ? { author: f.author.value, email: f.email.value, url: f.url.value } : null);
    if (!keep) write(COMMENTER_KEY, null); else if (c.commenter_token) write(COMMENTER_KEY, c.commenter_token);
    if (c.edit_token) remember(c);
    if (c.status === 'approved') { state.comments = place(state.comments.concat(c)); state.total += 1; }
    f.comment.value = '';
    state.parent = null;
    render();
    const el = shadow.getElementById(`comment-${c.id}`);
    if (el) { el.scrollIntoView({ block: 'center' }); el.setAttribute('tabindex', '-1'); el.focus({ preventScroll: true }); }
  }

  function replyTo(c) {
    state.parent = c;
    render();
    if (c) form.elements.comment.focus();
  }

  function edit(c, mine) {
    const li = shadow.getElementById(`comment-${c.id}`);
    const area = h('textarea', { rows: '5', dir: 'auto', 'aria-label': TEXT.edit });
    area.value = c.body;
    const error = h('p', { class: 'error', 'data-field-error': 'comment', role: 'alert' });
    const box = h('form', {}, area, error, h('div', {}, h('button', { type: 'submit' }, TEXT.save), ' ',
      h('button', { type: 'button', on: { click: render } }, TEXT.cancel)));
    box.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const res = await api('PATCH', `/api/v1/comments/${c.id}`, { body: area.value }, mine.token);
      if (res.status !== 200) {
        error.textContent = (res.data && res.data.error && (((res.data.error.fields || {}).body || [])[0] || res.data.error).message) || TEXT.failed;
        return;
      }
      const all = own();
      if (all[c.id]) { all[c.id].comment = res.data; write(OWN_KEY, all); }
      // Published or held by the edit: in the thread, or only its author's.
      const shown = state.comments.some((x) => x.id === c.id);
      const rest = state.comments.filter((x) => x.id !== c.id);
      if (res.data.status === 'approved') { state.comments = place(rest.concat(res.data)); if (!shown) state.total += 1; }
      else if (shown) { state.comments = rest; state.total -= 1; }
      render();
    });
    li.querySelector('.body').replaceWith(box);
    area.focus();
  }

  async function remove(c, mine) {
    if (!window.confirm(TEXT.confirmDelete)) return;
    const res = await api('DELETE', `/api/v1/comments/${c.id}`, null, mine.token);
    if (res.status !== 204) return say((res.data && res.data.error && res.data.error.message) || TEXT.failed);
    forget(c.id);
    const i = state.comments.findIndex((x) => x.id === c.id);
    if (i >= 0) { state.comments.splice(i, 1); state.total -= 1; }
    render();
    say(TEXT.deleted);
  }

  function say(text) { status.hidden = false; status.textContent = text; }

  // A reader's report: a reason from the API's list and an optional note.
  // The reader token tells this browser's reports apart without an account.
  function readerToken() {
    let t = read(READER_KEY);
    if (typeof t !== 'string' || t.length < 16) {
      t = (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}-r`);
      write(READER_KEY, t);
    }
    return t;
  }
  function report(c) {
    const li = shadow.getElementById(`comment-${c.id}`);
    if (!li || li.querySelector('[data-majlis="report-form"]')) return;
    const reason = h('select', { name: 'reason', 'aria-label': TEXT.why },
      Object.entries(TEXT.reasons).map(([v, label]) => h('option', { value: v }, label)));
    const note = h('textarea', { name: 'note', rows: '2', dir: 'auto', maxlength: '500', 'aria-label': TEXT.details, placeholder: TEXT.details });
    const error = h('p', { class: 'error', role: 'alert' });
    const box = h('form', { 'data-majlis': 'report-form' }, h('p', { class: 'meta' }, TEXT.why), reason, note, error,
      h('div', {}, h('button', { type: 'submit' }, TEXT.send), ' ', h('button', { type: 'button', on: { click: () => box.remove() } }, TEXT.cancel)));
    box.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const res = await api('POST', `/api/v1/comments/${c.id}/reports`, { reason: reason.value, note: note.value.replace(/\t/g, ' ') || undefined, reader_token: readerToken() });
      if (res.status !== 202) {
        error.textContent = (res.data && res.data.error && res.data.error.message) || TEXT.failed;
        return;
      }
      box.replaceWith(h('p', { class: 'notice', role: 'status', 'data-majlis': 'report-received' }, res.data.message));
    });
    li.querySelector('article').append(box);
    reason.focus();
  }

  // --- drawing -----------------------------------------------------------------
  const shadow = root.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet === 'function') {
    // Not subject to the page's style-src: the widget works under a strict CSP.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else shadow.append(h('style', {}, CSS));
  const view = h('section', { lang, dir: lang === 'ar' ? 'rtl' : 'ltr', 'aria-labelledby': 'majlis-count' });
  shadow.append(view);

  function render() {
    const count = state.total === 0 ? TEXT.none : state.total === 1 ? TEXT.one : TEXT.many.replace('{n}', new Intl.NumberFormat(lang).format(state.total));
    const order = h('select', { 'aria-label': TEXT.order, on: { change: (ev) => { state.order = ev.target.value; load(false); } } },
      ['oldest', 'newest'].map((o) => h('option', { value: o, selected: o === state.order ? true : null }, TEXT[o])));
    const f = form || buildForm();
    const replying = f.querySelector('.replying');
    replying.hidden = !state.parent;
    if (state.parent) replying.firstChild.textContent = `${TEXT.replyTo} ${state.parent.author_name}`;
    const thread = list();
    view.replaceChildren(
      h('div', { class: 'head' }, h('h2', { id: 'majlis-count' }, count), state.total > 1 ? order : null),
      status, thread,
      state.cursor ? h('button', { type: 'button', class: 'more', on: { click: () => load(true) } }, TEXT.more) : null,
      state.closed ? h('p', { class: 'notice' }, TEXT.closed) : null);
    if (state.closed) return;
    // The form follows the comment it answers, else ends the thread.
    const at = state.parent && shadow.getElementById(`comment-${state.parent.id}`);
    if (at) at.querySelector('article').after(f); else view.append(f);
  }

  // The loaded comments in the thread's order, each once: a page loaded
  // after the reader's own comment was placed may hold it again.
  function place(all) {
    const seen = new Set();
    const sign = state.order === 'oldest' ? 1 : -1;
    const at = new Map(all.map((c) => [c.id, Date.parse(c.created_at)]));
    return all.filter((c) => !seen.has(c.id) && seen.add(c.id))
      .sort((a, b) => sign * (at.get(a.id) - at.get(b.id) || a.id - b.id));
  }

  async function load(more) {
    // Only the latest request draws (the order may change while one runs).
    const ticket = ++state.loads;
    const res = await api('GET', `/api/v1/articles/${articleId.split('/').map(encodeURIComponent).join('/')}/comments?${q({
      site, order: state.order, limit: 50, cursor: more ? state.cursor : '',
    })}`);
    if (ticket !== state.loads) return;
    if (res.status !== 200) { render(); return say(TEXT.failed); }
    // One page arrives in the thread's order; only a merge needs placing.
    state.comments = more ? place(state.comments.concat(res.data.comments)) : res.data.comments;
    state.cursor = res.data.next_cursor;
    state.total = res.data.total;
    render();
    // For bench/embed: when the thread is drawn (the frame after).
    requestAnimationFrame(() => performance.mark('majlis:drawn'));
  }

  async function start() {
    const [, token] = await Promise.all([load(false), api('GET', `/api/v1/form-token?${q({ article_id: articleId, site })}`)]);
    if (token.status === 200) {
      state.token = token.data.token;
      state.notifications = token.data.notifications === true;
      offerNotify();
    }
    else if (token.status === 403) { state.closed = true; render(); }
  }
  start();
})();
