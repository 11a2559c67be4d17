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
      decided: 'Decided:', failed: 'Failed:', newComments: 'New comments: {n}. Show them.',
      help: 'Keyboard: j / k move, a approve, s spam, r reject, e edit, x select, ? this help.',
      filters: 'Filters', articleId: 'Article id', address: 'Address', minScore: 'Minimum score',
      search: 'Search', apply: 'Apply', clear: 'Clear', loading: 'Loading…', close: 'Close',
      reasons: 'Reasons', noReasons: 'No rule fired.', site: 'Site',
      queue: 'Queue', settings: 'Settings', saved: 'Saved.', onePerLine: 'one per line',
      order: 'Order', newest: 'Newest first', oldest: 'Oldest first', inReplyTo: 'In reply to',
      articles: 'Articles', moderators: 'Moderators', log: 'Audit log', export: 'Export', privacy: 'Privacy',
      articleTitle: 'Article title', state: 'Comments', open: 'Open', closed: 'Closed', any: 'Any',
      closeComments: 'Close comments', openComments: 'Open comments', approvalMode: 'Approval mode',
      siteDefault: 'Site setting', mode_all: 'Hold every comment', mode_first_time: 'Hold first-time authors',
      mode_none: 'Publish unless the rules hold it', role: 'Role', admin: 'Admin', moderator: 'Moderator',
      displayName: 'Display name', disabled: 'Disabled', active: 'Active', disable: 'Disable', enable: 'Enable',
      create: 'Create account', newAccount: 'New account', created: 'Created.', you: '(you)',
      when: 'When', who: 'Who', action: 'Action', comment: 'Comment', change: 'Change', reason: 'Reason',
      commentId: 'Comment id', moderatorId: 'Moderator', format: 'Format', status: 'Status',
      since: 'From', until: 'Until', download: 'Download', exportNote: 'The file streams from the server; large sites take a while.',
      subjectEmail: "Commenter's email", lookUp: 'Look up', downloadJson: 'Download their data (JSON)',
      erase: 'Erase this person', eraseWarning: 'Erasing removes the name, email, website, address and browser of every comment by this email, for good. The texts stay, signed "Anonymous". Type the email again to confirm.',
      confirmEmail: 'Email again', eraseNow: 'Erase for good', erasedN: 'Comments anonymized',
      found: 'Comments found', names: 'Names', addresses: 'Addresses', mismatch: 'The two emails differ.',
      system: 'system', author: 'author', reported: 'Reported', reports: 'Reader reports', networks: 'networks',
      r_spam: 'spam', r_abuse: 'abuse', r_off_topic: 'off topic', r_misinformation: 'misinformation', r_other: 'other',
      sanctions: 'Sanctions', sanctionAuthor: 'Sanction author', kind: 'Sanction', k_ban: 'Ban (silently to spam)',
      k_suspend: 'Suspend (refused until it ends)', k_hold: 'Hold for review', targetType: 'Applies to',
      t_email: 'Email', t_domain: 'Email domain', t_network: 'Address range', target: 'Email, domain or range',
      expires: 'Ends', never: 'When revoked', revoke: 'Revoke', impose: 'Impose', rejectExisting: 'Also reject their pending and published comments',
      showAll: 'Revoked and expired too', ended: 'Ended', everySite: 'Every site', fromComment: 'The author of comment',
      rejectedN: 'Comments rejected', revoked: 'Revoked.', reader: 'reader',
      category: 'Reason category', defaultCategory: 'Category (default)', appeal: 'The author appeals',
      c_spam: 'Spam', c_abuse: 'Abuse or harassment', c_hate: 'Hate speech', c_off_topic: 'Off topic',
      c_misinformation: 'Misinformation', c_personal_data: 'Personal data of others', c_legal: 'Unlawful or legal order', c_other: 'Other',
      webhooks: 'Webhooks', url: 'URL', events: 'Events', include: 'Personal data sent', i_email: 'Email', i_ip: 'IP address',
      i_user_agent: 'Browser', addWebhook: 'Add webhook', secretOnce: 'Signing secret (shown once, keep it):',
      deliveries: 'Deliveries', attempts: 'Attempts', answer: 'Answer', redeliver: 'Send again', queued: 'Queued.',
      d_pending: 'pending', d_delivered: 'delivered', d_failed: 'failed', turnOff: 'Turn off', turnOn: 'Turn on', remove: 'Delete',
      removed: 'Deleted.', on_: 'on', off_: 'off',
      'e_comment.created': 'new comment', 'e_comment.status_changed': 'status changed', 'e_comment.edited': 'edited',
      'e_comment.erased': 'erased',
      mail: 'My mail', notify: 'Mail me', n_off: 'Never', n_each: 'For each comment that waits', n_digest: 'A digest of what waits',
      digestMinutes: 'Digest every (minutes)', mailLang: 'Language', mailOff: 'This server sends no mail (MAJLIS_SMTP_URL is not set).',
      lang_ar: 'العربية', lang_en: 'English',
    },
    ar: {
      title: 'الإشراف', signIn: 'تسجيل الدخول', email: 'البريد الإلكتروني', password: 'كلمة المرور',
      signOut: 'تسجيل الخروج', language: 'English', pending: 'بانتظار المراجعة', approved: 'منشورة',
      spam: 'مزعجة', rejected: 'مرفوضة', approve: 'قبول', markSpam: 'مزعج', reject: 'رفض',
      edit: 'تعديل', save: 'حفظ', cancel: 'إلغاء', more: 'المزيد', undo: 'تراجع',
      empty: 'لا شيء هنا.', selected: 'محدّدة', selectAll: 'تحديد الكل',
      record: 'سجل الكاتب', byEmail: 'بالبريد', byIp: 'بالعنوان', score: 'درجة الإزعاج',
      replyTo: 'رد على التعليق', article: 'المقال', conflict: 'سبقك مشرف آخر إلى هذا التعليق؛ حالته الآن:',
      decided: 'تم:', failed: 'تعذّر:', newComments: 'تعليقات جديدة: {n}. اعرضها.',
      help: 'لوحة المفاتيح: j / k للتنقل، a قبول، s مزعج، r رفض، e تعديل، x تحديد، ? هذه المساعدة.',
      filters: 'تصفية', articleId: 'معرّف المقال', address: 'العنوان', minScore: 'أدنى درجة',
      search: 'بحث', apply: 'تطبيق', clear: 'مسح', loading: 'جارٍ التحميل…', close: 'إغلاق',
      reasons: 'الأسباب', noReasons: 'لم تنطبق أي قاعدة.', site: 'الموقع',
      queue: 'قائمة الانتظار', settings: 'الإعدادات', saved: 'تم الحفظ.', onePerLine: 'عنصر في كل سطر',
      order: 'الترتيب', newest: 'الأحدث أولًا', oldest: 'الأقدم أولًا', inReplyTo: 'ردًّا على',
      articles: 'المقالات', moderators: 'المشرفون', log: 'سجل القرارات', export: 'التصدير', privacy: 'الخصوصية',
      articleTitle: 'عنوان المقال', state: 'التعليقات', open: 'مفتوحة', closed: 'مغلقة', any: 'الكل',
      closeComments: 'إغلاق التعليقات', openComments: 'فتح التعليقات', approvalMode: 'طريقة الموافقة',
      siteDefault: 'إعداد الموقع', mode_all: 'احتجاز كل تعليق', mode_first_time: 'احتجاز الكتّاب الجدد',
      mode_none: 'النشر ما لم تحتجزه القواعد', role: 'الدور', admin: 'مدير', moderator: 'مشرف',
      displayName: 'الاسم الظاهر', disabled: 'معطّل', active: 'نشط', disable: 'تعطيل', enable: 'تفعيل',
      create: 'إنشاء الحساب', newAccount: 'حساب جديد', created: 'تم الإنشاء.', you: '(أنت)',
      when: 'الوقت', who: 'المنفّذ', action: 'الإجراء', comment: 'التعليق', change: 'التغيير', reason: 'السبب',
      commentId: 'رقم التعليق', moderatorId: 'المشرف', format: 'الصيغة', status: 'الحالة',
      since: 'من', until: 'إلى', download: 'تنزيل', exportNote: 'يُبثّ الملف من الخادم؛ قد تطول المواقع الكبيرة.',
      subjectEmail: 'بريد المعلّق', lookUp: 'بحث', downloadJson: 'تنزيل بياناته (JSON)',
      erase: 'محو بيانات هذا الشخص', eraseWarning: 'المحو يزيل نهائيًا الاسم والبريد والموقع والعنوان والمتصفح من كل تعليق بهذا البريد. تبقى النصوص بتوقيع «مجهول». اكتب البريد مرة أخرى للتأكيد.',
      confirmEmail: 'البريد مرة أخرى', eraseNow: 'امحُ نهائيًا', erasedN: 'التعليقات المجهّلة',
      found: 'التعليقات الموجودة', names: 'الأسماء', addresses: 'العناوين', mismatch: 'البريدان مختلفان.',
      system: 'النظام', author: 'الكاتب', reported: 'مُبلَّغ عنها', reports: 'بلاغات القرّاء', networks: 'شبكات',
      r_spam: 'إزعاج', r_abuse: 'إساءة', r_off_topic: 'خارج الموضوع', r_misinformation: 'معلومات مضلّلة', r_other: 'أخرى',
      sanctions: 'العقوبات', sanctionAuthor: 'معاقبة الكاتب', kind: 'العقوبة', k_ban: 'حظر (إلى المزعجة بصمت)',
      k_suspend: 'إيقاف (يُرفض حتى انتهائه)', k_hold: 'احتجاز للمراجعة', targetType: 'تنطبق على',
      t_email: 'بريد', t_domain: 'نطاق بريد', t_network: 'نطاق عناوين', target: 'البريد أو النطاق أو نطاق العناوين',
      expires: 'تنتهي', never: 'عند إلغائها', revoke: 'إلغاء', impose: 'فرض العقوبة', rejectExisting: 'ارفض أيضًا تعليقاته المنتظرة والمنشورة',
      showAll: 'مع الملغاة والمنتهية', ended: 'انتهت', everySite: 'كل المواقع', fromComment: 'كاتب التعليق',
      rejectedN: 'التعليقات المرفوضة', revoked: 'أُلغيت.', reader: 'قارئ',
      category: 'فئة السبب', defaultCategory: 'الفئة (تلقائية)', appeal: 'يتظلّم الكاتب',
      c_spam: 'محتوى مزعج', c_abuse: 'إساءة أو مضايقة', c_hate: 'خطاب كراهية', c_off_topic: 'خارج الموضوع',
      c_misinformation: 'معلومات مضلّلة', c_personal_data: 'بيانات شخصية للغير', c_legal: 'مخالف للقانون أو أمر قانوني', c_other: 'سبب آخر',
      webhooks: 'خطافات الويب', url: 'العنوان', events: 'الأحداث', include: 'البيانات الشخصية المرسلة', i_email: 'البريد', i_ip: 'عنوان IP',
      i_user_agent: 'المتصفح', addWebhook: 'إضافة خطاف', secretOnce: 'سر التوقيع (يظهر مرة واحدة، احفظه):',
      deliveries: 'عمليات التسليم', attempts: 'المحاولات', answer: 'الرد', redeliver: 'أعد الإرسال', queued: 'أُدرج في الطابور.',
      d_pending: 'منتظر', d_delivered: 'سُلِّم', d_failed: 'فشل', turnOff: 'إيقاف', turnOn: 'تشغيل', remove: 'حذف',
      removed: 'حُذف.', on_: 'يعمل', off_: 'متوقف',
      'e_comment.created': 'تعليق جديد', 'e_comment.status_changed': 'تغيّر الحالة', 'e_comment.edited': 'تعديل',
      'e_comment.erased': 'محو',
      mail: 'بريدي', notify: 'راسلني', n_off: 'أبدًا', n_each: 'عند كل تعليق ينتظر', n_digest: 'ملخص بما ينتظر',
      digestMinutes: 'الملخص كل (دقيقة)', mailLang: 'اللغة', mailOff: 'لا يرسل هذا الخادم بريدًا (لم يُضبط MAJLIS_SMTP_URL).',
      lang_ar: 'العربية', lang_en: 'English',
    },
  };
  const STATUSES = ['pending', 'approved', 'spam', 'rejected'];
  // The tabs: the statuses, then comments with open reader reports (any status).
  const TABS = [...STATUSES, 'reported'];
  const ACTIONS = { approve: 'approved', spam: 'spam', reject: 'rejected' };
  // Why a comment is removed or held (the API's fixed list).
  const CATEGORIES = ['spam', 'abuse', 'hate', 'off_topic', 'misinformation', 'personal_data', 'legal', 'other'];
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
  // replaceChildren, skipping absent parts (it would print `null`).
  const fill = (el, ...kids) => el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
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
    if (!me) return showLogin();
    if (!view.page || view.page === 'queue') return renderQueue();
    const found = PAGES.find(([name]) => name === view.page);
    if (found) found[2]();
  }

  // --- The queue --------------------------------------------------------------
  function queuePath(cursor) {
    const reported = view.status === 'reported';
    const q = new URLSearchParams(reported
      ? { status: 'all', reported: 'true', order: 'reports', limit: '50' }
      : { status: view.status, limit: '50' });
    for (const [k, v] of Object.entries(view.filters)) if (v && !(reported && k === 'order')) q.set(k, v);
    if (cursor) q.set('cursor', cursor);
    return `/api/v1/moderation/comments?${q}`;
  }

  async function showQueue() {
    view.page = 'queue';
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
    for (const s of TABS) {
      const el = app.querySelector(`[data-status="${s}"] .count`);
      if (el) el.textContent = fmtNumber(res.data[s] || 0);
    }
    if (view.lastPending !== null && pending > view.lastPending && view.status === 'pending') {
      const note = app.querySelector('.new-comments');
      if (note) {
        note.hidden = false;
        note.textContent = t('newComments').replace('{n}', fmtNumber(pending - view.lastPending));
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
      TABS.map((s) => h('button', {
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
    fill(app, header, tabs, filters(), bulkBar(), newNote, body, moreButton,
      h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
    focusCard(view.focus, false);
  }

  // Pages: the queue, then the rest; `admin` pages only for admins.
  const PAGES = [
    ['queue', false, () => showQueue()], ['articles', true, () => showArticles()],
    ['log', false, () => showLog()], ['sanctions', false, () => showSanctions()], ['export', false, () => showExport()],
    ['moderators', true, () => showModerators()], ['privacy', true, () => showPrivacy()],
    ['settings', true, () => showSettings()], ['webhooks', true, () => showWebhooks()], ['mail', false, () => showMail()],
  ];

  function topBar() {
    const current = view.page || 'queue';
    return h('header', { class: 'bar' },
      h('h1', {}, t('title')),
      h('nav', { class: 'pages', 'aria-label': t('title') },
        PAGES.filter(([, admin]) => !admin || (me && me.role === 'admin')).map(([name, , show]) => h('button', {
          type: 'button', class: 'link', 'data-page': name, 'aria-current': name === current ? 'page' : false,
          on: { click: () => { view.page = name; show(); } },
        }, t(name)))),
      h('span', { class: 'who' }, me ? me.display_name : ''),
      h('button', { type: 'button', class: 'link', on: { click: toggleLang } }, t('language')),
      h('button', { type: 'button', class: 'link', 'data-majlis': 'sign-out', on: { click: signOut } }, t('signOut')));
  }

  // One page of the admin side: the bar, a heading, the content, toasts.
  function page(name, ...content) {
    view.page = name;
    applyLang();
    fill(app, topBar(), h('h2', {}, t(name)), ...content,
      h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
  }

  // A field's label, control and the place its error appears.
  function field(name, label, control) {
    control.id = control.id || `f-${name}-${Math.random().toString(36).slice(2, 8)}`;
    if (!control.name) control.name = name;
    return h('div', { class: 'setting' }, h('label', { for: control.id }, label), control,
      h('p', { class: 'error field-error', 'data-field-error': name, role: 'alert' }));
  }

  // Shows a 422's field errors beside their fields; anything else as a toast.
  function showErrors(form, res) {
    for (const el of form.querySelectorAll('[data-field-error]')) el.textContent = '';
    const fields = res.data && res.data.error && res.data.error.fields;
    let shown = false;
    if (fields) {
      for (const [key, problems] of Object.entries(fields)) {
        const el = form.querySelector(`[data-field-error="${key}"]`);
        if (el) { el.textContent = problems.map((p) => p.message).join(' '); shown = true; }
      }
    }
    if (!shown && res.status !== 401) toast(errorText(res));
  }

  const select = (name, options, value) => h('select', { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));

  // --- Settings (admins) ----------------------------------------------------------
  const CHOICES = { approval_mode: ['all', 'first_time', 'none'], avatar: ['keyed', 'gravatar', 'none'] };

  async function showSettings(site) {
    view.page = 'settings';
    site = site || view.settingsSite || 'default';
    view.settingsSite = site;
    const [res, sites] = await Promise.all([
      api('GET', `/api/v1/admin/settings?site=${encodeURIComponent(site)}`), api('GET', '/api/v1/admin/sites')]);
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
      const saved = await api('PATCH', `/api/v1/admin/settings?site=${encodeURIComponent(site)}`, patch);
      if (saved.status === 200) {
        Object.assign(current, saved.data);
        toast(t('saved'));
      } else showErrors(form, saved);
    });
    const list = sites.status === 200 ? sites.data.sites : [];
    const picker = list.length > 1 ? field('site', t('site'), h('select', {
      on: { change: (ev) => showSettings(ev.target.value) },
    }, list.map((x) => h('option', { value: x.id, selected: x.id === site }, `${x.name} (${x.id})`)))) : null;
    page('settings', picker, form);
  }

  function filters() {
    const text = (name, label, type = 'text') => h('label', {}, label,
      h('input', { name, type, value: view.filters[name] || '', dir: 'auto' }));
    const form = h('form', { class: 'filters', role: 'search' },
      h('details', { open: Object.values(view.filters).some(Boolean) },
        h('summary', {}, t('filters')),
        text('q', t('search'), 'search'), text('article_id', t('articleId')), text('email', t('email'), 'email'),
        text('ip', t('address')), text('min_score', t('minScore'), 'number'), text('site', t('site')),
        h('label', {}, t('order'), select('order', [['newest', t('newest')], ['oldest', t('oldest')]], view.filters.order || 'newest')),
        h('button', { type: 'submit' }, t('apply')),
        h('button', { type: 'button', class: 'link', on: { click: () => { view.filters = {}; showQueue(); } } }, t('clear'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const fd = new FormData(form);
      view.filters = {};
      for (const [k, v] of fd.entries()) if (String(v).trim() && !(k === 'order' && v === 'newest')) view.filters[k] = String(v).trim();
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
    // On the Reported tab every decision resolves the reports, keeping the
    // status included.
    const actions = Object.keys(ACTIONS).filter((a) => view.status === 'reported' || ACTIONS[a] !== c.status).map((a) => h('button', {
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
      `${t('article')}: `,
      c.article && c.article.url
        ? h('a', { href: c.article.url, rel: 'noopener noreferrer', target: '_blank', dir: 'auto' }, c.article.title || c.article_id)
        : h('span', { dir: 'auto' }, (c.article && c.article.title) || c.article_id),
      c.site && c.site !== 'default' ? h('span', { dir: 'ltr' }, ` · ${c.site}`) : null),
    c.parent ? h('blockquote', { class: 'parent' },
      h('span', { class: 'muted' }, `${t('inReplyTo')} `, h('span', { dir: 'auto' }, c.parent.author_name), ` #${c.parent.id}`,
        c.parent.status !== 'approved' ? ` (${t(c.parent.status)})` : ''),
      h('span', { class: 'excerpt', dir: 'auto' }, c.parent.excerpt)) : null,
    h('div', { class: 'body', dir: 'auto' }, c.body),
    c.reports ? h('div', { class: 'reports', 'data-majlis': 'reports' },
      h('p', {}, `${t('reports')}: ${fmtNumber(c.reports.count)} (${fmtNumber(c.reports.networks)} ${t('networks')}) · `,
        Object.entries(c.reports.reasons).map(([r, n]) => `${t(`r_${r}`)} ${fmtNumber(n)}`).join(' · ')),
      c.reports.notes.length ? h('ul', {}, c.reports.notes.map((n) => h('li', { dir: 'auto' }, n))) : null) : null,
    h('details', { class: 'score' },
      h('summary', {}, `${t('score')}: ${fmtNumber(Math.round(c.spam_score * 100) / 100)}`),
      reasons.length
        ? h('ul', {}, reasons.map((r) => h('li', {}, h('code', {}, r.rule), ` ${fmtNumber(r.score)} `, h('span', { dir: 'auto' }, r.detail || ''))))
        : h('p', {}, t('noReasons'))),
    h('details', { class: 'record', on: { toggle: (ev) => { if (ev.target.open) loadRecord(c.id, ev.target); } } },
      h('summary', {}, t('record')), h('p', {}, t('loading'))),
    c.appeal ? h('div', { class: 'reports', 'data-majlis': 'appeal' },
      h('p', {}, `${t('appeal')} (${fmtDate(c.appeal.at)})`),
      c.appeal.note ? h('p', { dir: 'auto' }, c.appeal.note) : null) : null,
    c.decision_category && c.status !== 'approved'
      ? h('p', { class: 'muted' }, `${t('category')}: ${t(`c_${c.decision_category}`)}`, c.decision_reason ? h('span', { dir: 'auto' }, ` · ${c.decision_reason}`) : null)
      : null,
    h('p', { class: 'notice', role: 'status' }),
    h('div', { class: 'actions' }, actions,
      h('select', { name: 'reason_category', 'data-majlis': 'category', 'aria-label': `${t('category')} #${c.id}` },
        h('option', { value: '' }, t('defaultCategory')), CATEGORIES.map((x) => h('option', { value: x }, t(`c_${x}`)))),
      h('button', { type: 'button', 'data-action': 'edit', on: { click: () => startEdit(c.id) } }, t('edit')),
      h('button', {
        type: 'button', class: 'link', 'data-action': 'sanction',
        on: { click: () => showSanctions({ comment_id: c.id, site: c.site }) },
      }, t('sanctionAuthor'))));
  }

  async function loadRecord(id, el) {
    const res = await api('GET', `/api/v1/moderation/comments/${id}`);
    if (res.status !== 200) { el.lastChild.textContent = errorText(res); return; }
    const rec = res.data.author_record || {};
    const line = (label, counts) => counts ? h('p', {}, `${label}: `,
      STATUSES.map((s) => `${t(s)} ${fmtNumber(counts[s] || 0)}`).join(' · ')) : null;
    fill(el, h('summary', {}, t('record')), line(t('byEmail'), rec.by_email), line(t('byIp'), rec.by_ip));
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
    // The card's category goes with a removal or a hold.
    const chosen = cardEl(id) && cardEl(id).querySelector('[data-majlis="category"]');
    if (body === undefined && status !== 'approved' && chosen && chosen.value) patch.reason_category = chosen.value;
    const res = await api('PATCH', `/api/v1/moderation/comments/${id}`, patch, { ifMatch: `"${c.version}"` });
    if (res.status === 200) {
      const before = c.status;
      const updated = res.data;
      // A decision on the Reported tab resolves the reports: it leaves the tab.
      const stays = view.status === 'reported' ? body !== undefined : updated.status === view.status;
      const index = view.comments.indexOf(c);
      if (stays) view.comments[index] = { ...c, ...updated }; else view.comments.splice(index, 1);
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
    view.comments = view.comments.filter((c) => !(done.has(c.id) && (status !== view.status || view.status === 'reported')));
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


  // --- Articles (admins): close or open, approval mode --------------------------
  const MODES = ['all', 'first_time', 'none'];

  async function showArticles(filters = view.articleFilters || {}, append = false) {
    view.articleFilters = filters;
    const q = new URLSearchParams({ limit: '50' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (append && view.articleCursor) q.set('cursor', view.articleCursor);
    const res = await api('GET', `/api/v1/admin/articles?${q}`);
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    view.articles = append ? view.articles.concat(res.data.articles) : res.data.articles;
    view.articleCursor = res.data.next_cursor;
    const search = h('form', { class: 'filters', role: 'search', 'data-majlis': 'article-filters' },
      h('label', {}, t('search'), h('input', { name: 'q', type: 'search', value: filters.q || '', dir: 'auto' })),
      h('label', {}, t('state'), select('closed', [['', t('any')], ['false', t('open')], ['true', t('closed')]], filters.closed || '')),
      h('label', {}, t('site'), h('input', { name: 'site', value: filters.site || '', dir: 'ltr' })),
      h('button', { type: 'submit' }, t('apply')));
    search.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const next = {};
      for (const [k, v] of new FormData(search).entries()) if (String(v).trim()) next[k] = String(v).trim();
      showArticles(next);
    });
    const rows = view.articles.map((a) => articleRow(a));
    page('articles', search,
      rows.length ? h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, [t('articleTitle'), t('state'), t('approvalMode')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)) : h('p', { class: 'empty' }, t('empty')),
      view.articleCursor ? h('button', { type: 'button', class: 'more', on: { click: () => showArticles(filters, true) } }, t('more')) : null);
  }

  function articleRow(a) {
    const path = `/api/v1/admin/articles/${a.id.split('/').map(encodeURIComponent).join('/')}?site=${encodeURIComponent(a.site)}`;
    const update = async (patch) => {
      const res = await api('PATCH', path, patch);
      if (res.status === 200) {
        Object.assign(a, res.data);
        row.replaceWith(articleRow(a));
        toast(t('saved'));
      } else if (res.status !== 401) toast(errorText(res));
    };
    const mode = select('approval_mode', [['', t('siteDefault')], ...MODES.map((m) => [m, t(`mode_${m}`)])], a.approval_mode || '');
    mode.setAttribute('aria-label', `${t('approvalMode')}: ${a.title || a.id}`);
    mode.addEventListener('change', () => update({ approval_mode: mode.value || null }));
    const row = h('tr', { 'data-article-id': a.id, 'data-site': a.site },
      h('td', {},
        a.url ? h('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank', dir: 'auto' }, a.title || a.id)
          : h('span', { dir: 'auto' }, a.title || a.id),
        h('br'), h('small', { dir: 'ltr' }, a.site === 'default' ? a.id : `${a.site} · ${a.id}`)),
      h('td', {}, h('span', { class: a.closed ? 'tag bad' : 'tag ok' }, t(a.closed ? 'closed' : 'open')), ' ',
        h('button', {
          type: 'button', 'data-action': a.closed ? 'open' : 'close', on: { click: () => update({ closed: !a.closed }) },
        }, t(a.closed ? 'openComments' : 'closeComments'))),
      h('td', {}, mode));
    return row;
  }

  // --- Moderators (admins): create, role, disable -------------------------------
  async function showModerators() {
    const res = await api('GET', '/api/v1/admin/moderators');
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    const roles = [['moderator', t('moderator')], ['admin', t('admin')]];
    const rows = res.data.moderators.map((m) => {
      const self = me && me.id === m.id;
      const role = select('role', roles, m.role);
      role.setAttribute('aria-label', `${t('role')}: ${m.email}`);
      role.disabled = self;
      const update = async (patch) => {
        const r = await api('PATCH', `/api/v1/admin/moderators/${m.id}`, patch);
        if (r.status === 200) { await showModerators(); toast(t('saved')); } else if (r.status !== 401) toast(errorText(r));
      };
      role.addEventListener('change', () => update({ role: role.value }));
      return h('tr', { 'data-moderator-id': m.id },
        h('td', { dir: 'auto' }, m.display_name, self ? ` ${t('you')}` : ''),
        h('td', { dir: 'ltr' }, m.email),
        h('td', {}, role),
        h('td', {}, h('span', { class: m.disabled ? 'tag bad' : 'tag ok' }, t(m.disabled ? 'disabled' : 'active')), ' ',
          self ? null : h('button', {
            type: 'button', 'data-action': m.disabled ? 'enable' : 'disable', on: { click: () => update({ disabled: !m.disabled }) },
          }, t(m.disabled ? 'enable' : 'disable'))));
    });
    const form = h('form', { class: 'settings', 'data-majlis': 'new-moderator', novalidate: true },
      h('h3', {}, t('newAccount')),
      field('email', t('email'), h('input', { type: 'email', autocomplete: 'off', dir: 'ltr' })),
      field('display_name', t('displayName'), h('input', { dir: 'auto' })),
      field('role', t('role'), select('role', roles, 'moderator')),
      field('password', t('password'), h('input', { type: 'password', autocomplete: 'new-password' })),
      h('button', { type: 'submit' }, t('create')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = {};
      for (const [k, v] of new FormData(form).entries()) if (String(v) !== '') body[k] = String(v);
      const r = await api('POST', '/api/v1/admin/moderators', body);
      if (r.status === 201) { await showModerators(); toast(t('created')); } else showErrors(form, r);
    });
    page('moderators',
      h('table', { class: 'grid' },
        h('thead', {}, h('tr', {}, [t('displayName'), t('email'), t('role'), t('status')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)),
      form);
  }

  // --- The audit log --------------------------------------------------------------
  const ACTIONS_SEEN = ['comment.submitted', 'comment.status_changed', 'comment.edited', 'comment.confirmed',
    'comment.reported', 'comment.reports_resolved', 'comment.report_received', 'comment.appealed',
    'sanction.created', 'sanction.revoked',
    'auth.login', 'auth.login_failed', 'auth.logout', 'moderator.created', 'moderator.updated',
    'article.updated', 'settings.changed', 'privacy.exported', 'privacy.erased', 'export.started'];

  async function showLog(filters = view.logFilters || {}, append = false) {
    view.logFilters = filters;
    const q = new URLSearchParams({ limit: '50' });
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    if (append && view.logCursor) q.set('cursor', view.logCursor);
    const form = h('form', { class: 'filters', role: 'search', 'data-majlis': 'log-filters', novalidate: true },
      field('comment_id', t('commentId'), h('input', { type: 'number', min: 1, value: filters.comment_id || '' })),
      field('moderator_id', t('moderatorId'), h('input', { type: 'number', min: 1, value: filters.moderator_id || '' })),
      field('action', t('action'), h('input', { list: 'majlis-actions', value: filters.action || '', dir: 'ltr' })),
      h('datalist', { id: 'majlis-actions' }, ACTIONS_SEEN.map((a) => h('option', { value: a }))),
      h('button', { type: 'submit' }, t('apply')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const next = {};
      for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) next[k] = String(v).trim();
      showLog(next);
    });
    const res = await api('GET', `/api/v1/moderation/log?${q}`);
    if (res.status === 422) { page('log', form); showErrors(form, res); return; }
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    view.events = append ? view.events.concat(res.data.events) : res.data.events;
    view.logCursor = res.data.next_cursor;
    const who = (e) => e.moderator_name || (e.actor === 'moderator' && e.moderator_id ? `#${e.moderator_id}` : t(e.actor));
    const rows = view.events.map((e) => h('tr', { 'data-event-id': e.id },
      h('td', {}, h('time', { datetime: e.at }, fmtDate(e.at))),
      h('td', { dir: 'auto' }, who(e)),
      h('td', {}, h('code', {}, e.action)),
      h('td', {}, e.comment_id ? h('button', {
        type: 'button', class: 'link', on: { click: () => showLog({ comment_id: String(e.comment_id) }) },
      }, `#${fmtNumber(e.comment_id)}`) : ''),
      h('td', {}, e.old_status || e.new_status ? `${e.old_status ? t(e.old_status) : '—'} → ${e.new_status ? t(e.new_status) : '—'}` : ''),
      h('td', { dir: 'auto' }, [e.reason_category ? t(`c_${e.reason_category}`) : '', e.reason || ''].filter(Boolean).join(' · '))));
    page('log', form,
      rows.length ? h('table', { class: 'grid', 'data-majlis': 'log' },
        h('thead', {}, h('tr', {}, [t('when'), t('who'), t('action'), t('comment'), t('change'), t('reason')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)) : h('p', { class: 'empty' }, t('empty')),
      view.logCursor ? h('button', { type: 'button', class: 'more', on: { click: () => showLog(filters, true) } }, t('more')) : null);
  }

  // --- Sanctions: ban, suspend or hold an email, a domain or a range -----------------
  const KINDS = ['ban', 'suspend', 'hold'];
  const TARGETS = ['email', 'domain', 'network'];

  // `from`: a comment whose author the form sanctions (its card's button).
  async function showSanctions(from = null, all = view.sanctionsAll || false, append = false) {
    view.sanctionsAll = all;
    const q = new URLSearchParams({ limit: '50' });
    if (all) q.set('all', 'true');
    if (append && view.sanctionCursor) q.set('cursor', view.sanctionCursor);
    const res = await api('GET', `/api/v1/moderation/sanctions?${q}`);
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    view.sanctions = append ? view.sanctions.concat(res.data.sanctions) : res.data.sanctions;
    view.sanctionCursor = res.data.next_cursor;
    const form = h('form', { class: 'settings', 'data-majlis': 'new-sanction', novalidate: true },
      field('kind', t('kind'), select('kind', KINDS.map((k) => [k, t(`k_${k}`)]), 'ban')),
      field('target_type', t('targetType'), select('target_type', TARGETS.map((x) => [x, t(`t_${x}`)]), 'email')),
      from
        ? field('comment_id', t('fromComment'), h('input', { value: String(from.comment_id), readonly: true, dir: 'ltr' }))
        : field('target', t('target'), h('input', { autocomplete: 'off', dir: 'ltr' })),
      field('site', t('site'), h('input', { value: from && from.site ? from.site : '', placeholder: t('everySite'), dir: 'ltr' })),
      field('reason', t('reason'), h('textarea', { rows: '2', dir: 'auto', maxlength: '500' })),
      field('reason_category', t('category'), select('reason_category', CATEGORIES.map((x) => [x, t(`c_${x}`)]), 'other')),
      field('expires_at', t('expires'), h('input', { type: 'datetime-local' })),
      h('label', {}, h('input', { type: 'checkbox', name: 'reject_existing' }), ' ', t('rejectExisting')),
      h('button', { type: 'submit' }, t('impose')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const body = {
        kind: data.get('kind'), target_type: data.get('target_type'), reason: String(data.get('reason') || ''),
        reason_category: data.get('reason_category'),
      };
      if (from) body.comment_id = from.comment_id; else body.target = String(data.get('target') || '');
      const site = String(data.get('site') || '').trim();
      if (site) body.site = site;
      const ends = String(data.get('expires_at') || '');
      // The browser's local time, sent as an instant.
      if (ends) body.expires_at = new Date(ends).toISOString();
      if (data.get('reject_existing')) body.reject_existing = true;
      const r = await api('POST', '/api/v1/moderation/sanctions', body);
      if (r.status === 201) {
        await showSanctions(null, all);
        toast(r.data.rejected.length ? `${t('created')} ${t('rejectedN')}: ${fmtNumber(r.data.rejected.length)}` : t('created'));
      } else showErrors(form, r);
    });
    const toggle = h('label', {}, h('input', {
      type: 'checkbox', checked: all, 'data-majlis': 'sanctions-all', on: { change: (e) => showSanctions(from, e.target.checked) },
    }), ' ', t('showAll'));
    const rows = view.sanctions.map((x) => h('tr', { 'data-sanction-id': x.id },
      h('td', {}, t(`k_${x.kind}`)),
      h('td', {}, `${t(`t_${x.target_type}`)}: `, h('span', { dir: 'ltr' }, x.target || '—')),
      h('td', { dir: 'ltr' }, x.site || t('everySite')),
      h('td', { dir: 'auto' }, x.reason || ''),
      h('td', {}, x.expires_at ? h('time', { datetime: x.expires_at }, fmtDate(x.expires_at)) : t('never')),
      h('td', {}, x.active ? h('button', {
        type: 'button', 'data-action': 'revoke',
        on: {
          click: async () => {
            const r = await api('DELETE', `/api/v1/moderation/sanctions/${x.id}`);
            if (r.status === 200) { await showSanctions(from, all); toast(t('revoked')); } else if (r.status !== 401) toast(errorText(r));
          },
        },
      }, t('revoke')) : h('span', { class: 'tag' }, t('ended')))));
    page('sanctions', form, toggle,
      rows.length ? h('table', { class: 'grid', 'data-majlis': 'sanctions' },
        h('thead', {}, h('tr', {}, [t('kind'), t('targetType'), t('site'), t('reason'), t('expires'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)) : h('p', { class: 'empty' }, t('empty')),
      view.sanctionCursor ? h('button', { type: 'button', class: 'more', on: { click: () => showSanctions(from, all, true) } }, t('more')) : null);
  }

  // --- Webhooks (admins): endpoints, their secret once, their deliveries -------------
  const EVENTS = ['comment.created', 'comment.status_changed', 'comment.edited', 'comment.erased'];
  const PERSONAL = ['email', 'ip', 'user_agent'];

  function checkboxes(name, values, label, checked) {
    return h('fieldset', { class: 'setting', 'data-majlis': name },
      h('legend', {}, label),
      values.map((v) => h('label', {}, h('input', { type: 'checkbox', name, value: v, checked: checked.includes(v) }), ' ', t(`${name === 'events' ? 'e_' : 'i_'}${v}`))),
      h('p', { class: 'error field-error', 'data-field-error': name, role: 'alert' }));
  }

  // `open`: the webhook whose deliveries show; `secret`: the one just made.
  async function showWebhooks(open = null, secret = null) {
    const res = await api('GET', '/api/v1/admin/webhooks');
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    const form = h('form', { class: 'settings', 'data-majlis': 'new-webhook', novalidate: true },
      field('url', t('url'), h('input', { type: 'url', autocomplete: 'off', dir: 'ltr', placeholder: 'https://' })),
      checkboxes('events', EVENTS, t('events'), ['comment.created']),
      checkboxes('include', PERSONAL, t('include'), []),
      field('site', t('site'), h('input', { placeholder: t('everySite'), dir: 'ltr' })),
      h('button', { type: 'submit' }, t('addWebhook')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const body = { url: String(data.get('url') || ''), events: data.getAll('events'), include: data.getAll('include') };
      const site = String(data.get('site') || '').trim();
      if (site) body.site = site;
      const r = await api('POST', '/api/v1/admin/webhooks', body);
      if (r.status === 201) { await showWebhooks(r.data.id, r.data.secret); toast(t('created')); } else showErrors(form, r);
    });
    const act = (label, action, run) => h('button', { type: 'button', 'data-action': action, on: { click: run } }, label);
    const rows = res.data.map((w) => h('tr', { 'data-webhook-id': w.id },
      h('td', { dir: 'ltr' }, w.url),
      h('td', {}, w.events.map((e) => t(`e_${e}`)).join('، ')),
      h('td', { dir: 'ltr' }, w.site || t('everySite')),
      h('td', {}, w.active ? t('on_') : t('off_')),
      h('td', {},
        act(t('deliveries'), 'deliveries', () => showWebhooks(w.id)),
        act(w.active ? t('turnOff') : t('turnOn'), 'toggle', async () => {
          const r = await api('PATCH', `/api/v1/admin/webhooks/${w.id}`, { active: !w.active });
          if (r.status === 200) await showWebhooks(open); else if (r.status !== 401) toast(errorText(r));
        }),
        act(t('remove'), 'delete', async () => {
          const r = await api('DELETE', `/api/v1/admin/webhooks/${w.id}`);
          if (r.status === 204) { await showWebhooks(); toast(t('removed')); } else if (r.status !== 401) toast(errorText(r));
        }))));
    let detail = null;
    if (open) {
      const d = await api('GET', `/api/v1/admin/webhooks/${open}`);
      if (d.status === 200) {
        const items = d.data.deliveries.map((x) => h('tr', { 'data-delivery-id': x.id, 'data-delivery-status': x.status },
          h('td', {}, h('time', { datetime: x.created_at }, fmtDate(x.created_at))),
          h('td', {}, t(`e_${x.event}`), ' #', String(x.comment_id)),
          h('td', {}, t(`d_${x.status}`)),
          h('td', {}, fmtNumber(x.attempts)),
          h('td', { dir: 'ltr' }, x.response_status ? String(x.response_status) : (x.last_error || '—')),
          h('td', {}, act(t('redeliver'), 'redeliver', async () => {
            const r = await api('POST', `/api/v1/admin/webhooks/${open}/deliveries/${x.id}/redeliver`);
            if (r.status === 202) { toast(t('queued')); await showWebhooks(open); } else if (r.status !== 401) toast(errorText(r));
          }))));
        detail = h('section', { 'data-majlis': 'deliveries' }, h('h3', {}, `${t('deliveries')}: `, h('span', { dir: 'ltr' }, d.data.url)),
          items.length ? h('table', { class: 'grid' },
            h('thead', {}, h('tr', {}, [t('when'), t('events'), t('status'), t('attempts'), t('answer'), ''].map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, items)) : h('p', { class: 'empty' }, t('empty')));
      }
    }
    page('webhooks',
      secret ? h('p', { class: 'notice', 'data-majlis': 'webhook-secret' }, t('secretOnce'), ' ', h('code', { dir: 'ltr' }, secret)) : null,
      form,
      rows.length ? h('table', { class: 'grid', 'data-majlis': 'webhooks' },
        h('thead', {}, h('tr', {}, [t('url'), t('events'), t('site'), t('status'), ''].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows)) : h('p', { class: 'empty' }, t('empty')),
      detail);
  }

  // --- My mail: a moderator's own notifications ---------------------------------------
  async function showMail() {
    const res = await api('GET', '/api/v1/moderation/notifications');
    if (res.status !== 200) { if (res.status !== 401) toast(errorText(res)); return; }
    const n = res.data;
    const form = h('form', { class: 'settings', 'data-majlis': 'notifications', novalidate: true },
      field('notify', t('notify'), select('notify', ['off', 'each', 'digest'].map((x) => [x, t(`n_${x}`)]), n.notify)),
      field('digest_minutes', t('digestMinutes'), h('input', { type: 'number', min: '5', max: '1440', value: String(n.digest_minutes), dir: 'ltr' })),
      field('lang', t('mailLang'), select('lang', [['ar', t('lang_ar')], ['en', t('lang_en')]], n.lang)),
      h('button', { type: 'submit' }, t('save')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      const body = { notify: data.get('notify'), lang: data.get('lang') };
      const minutes = Number(data.get('digest_minutes'));
      if (Number.isFinite(minutes) && String(data.get('digest_minutes')).trim() !== '') body.digest_minutes = minutes;
      const r = await api('PUT', '/api/v1/moderation/notifications', body);
      if (r.status === 200) toast(t('saved')); else showErrors(form, r);
    });
    page('mail', n.mail_enabled ? null : h('p', { class: 'notice', 'data-majlis': 'mail-off' }, t('mailOff')), form);
  }

  // --- Export: a CSV or NDJSON download with the API's filters ------------------------
  const ARTICLE_ID = /^[\p{L}\p{N}._:/-]{1,200}$/u;

  function showExport() {
    const form = h('form', { class: 'settings', 'data-majlis': 'export', novalidate: true },
      field('format', t('format'), select('format', [['csv', 'CSV'], ['ndjson', 'NDJSON']], 'csv')),
      field('status', t('status'), select('status', [['', t('any')], ...STATUSES.map((x) => [x, t(x)])], '')),
      field('article_id', t('articleId'), h('input', { dir: 'ltr' })),
      field('site', t('site'), h('input', { dir: 'ltr' })),
      field('since', t('since'), h('input', { type: 'date' })),
      field('until', t('until'), h('input', { type: 'date' })),
      h('p', {}, h('small', {}, t('exportNote'))),
      h('button', { type: 'submit' }, t('download')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      for (const el of form.querySelectorAll('[data-field-error]')) el.textContent = '';
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) q.set(k, String(v).trim());
      const bad = (name, message) => { form.querySelector(`[data-field-error="${name}"]`).textContent = message; return true; };
      if ((q.has('article_id') && !ARTICLE_ID.test(q.get('article_id')) && bad('article_id', t('articleId')))
        || (q.has('since') && q.has('until') && q.get('since') > q.get('until') && bad('until', `${t('until')} < ${t('since')}`))) return;
      // A plain navigation: the server streams the file and the browser
      // saves it (Content-Disposition), whatever its size.
      const link = h('a', { href: `/api/v1/export/comments?${q}`, download: '' });
      document.body.append(link);
      link.click();
      link.remove();
    });
    page('export', form);
  }

  // --- Privacy (admins): one person's data, and erasing it --------------------------
  function showPrivacy() {
    const result = h('div', { class: 'privacy-result', 'data-majlis': 'privacy-result' });
    const form = h('form', { class: 'settings', 'data-majlis': 'privacy', novalidate: true },
      field('email', t('subjectEmail'), h('input', { type: 'email', autocomplete: 'off', dir: 'ltr' })),
      h('button', { type: 'submit' }, t('lookUp')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const email = String(new FormData(form).get('email') || '').trim();
      const res = await api('GET', `/api/v1/privacy/export?${new URLSearchParams({ email })}`);
      if (res.status !== 200) { showErrors(form, res); result.replaceChildren(); return; }
      showErrors(form, { status: 200, data: {} });
      const data = res.data;
      const json = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const summary = data.summary || {};
      fill(result,
        h('p', {}, `${t('found')}: ${fmtNumber(summary.comments || 0)}`),
        summary.names && summary.names.length ? h('p', {}, `${t('names')}: `, h('span', { dir: 'auto' }, summary.names.join('، '))) : null,
        summary.ips && summary.ips.length ? h('p', {}, `${t('addresses')}: `, h('span', { dir: 'ltr' }, summary.ips.join(', '))) : null,
        h('p', {}, h('a', { href: URL.createObjectURL(json), download: `majlis-person-${new Date().toISOString().slice(0, 10)}.json`, 'data-majlis': 'privacy-download' }, t('downloadJson'))),
        eraseForm(email, result));
    });
    page('privacy', form, result);
  }

  function eraseForm(email, result) {
    const box = h('form', { class: 'danger', 'data-majlis': 'erase', novalidate: true },
      h('p', { id: 'erase-warning' }, t('eraseWarning')),
      field('confirm', t('confirmEmail'), h('input', { type: 'email', autocomplete: 'off', dir: 'ltr', 'aria-describedby': 'erase-warning' })),
      h('button', { type: 'submit', class: 'bad' }, t('eraseNow')));
    const details = h('details', {}, h('summary', {}, t('erase')), box);
    box.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const again = String(new FormData(box).get('confirm') || '').trim();
      const errorEl = box.querySelector('[data-field-error="confirm"]');
      if (again.toLowerCase() !== email.toLowerCase()) { errorEl.textContent = t('mismatch'); return; }
      const res = await api('POST', '/api/v1/privacy/erase', { email });
      if (res.status === 200) {
        result.replaceChildren(h('p', { role: 'status' }, `${t('erasedN')}: ${fmtNumber(res.data.comments_erased)}`));
      } else if (res.status !== 401) errorEl.textContent = errorText(res);
    });
    return details;
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
    if (!me || (view.page && view.page !== 'queue') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
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
