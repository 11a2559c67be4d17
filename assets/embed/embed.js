// majlis: the embed loader. Finds <div id="majlis-comments">, reserves its
// box, and loads the widget when the box nears the viewport. No
// dependencies; served at /embed.js, the widget under a versioned name.
(() => {
  'use strict';
  const me = document.currentScript;
  const el = document.getElementById('majlis-comments');
  if (!me || !el || el.dataset.majlisLoading) return;
  el.dataset.majlisLoading = '1';
  // Where majlis lives: this script's own address, without /embed.js.
  const base = me.src.replace(/\/embed\.js(?:[?#].*)?$/, '');
  // The box the thread will fill, from the first paint on: about the height
  // of the form and a few comments, so drawing moves nothing below it.
  if (!el.style.minHeight) el.style.minHeight = el.dataset.minHeight || '40rem';
  const load = () => {
    const s = document.createElement('script');
    s.src = base + '__MAJLIS_WIDGET__';
    s.async = true;
    document.head.append(s);
  };
  if (!('IntersectionObserver' in window)) return load();
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      seen.disconnect();
      load();
    }
  }, { rootMargin: '600px 0px' });
  seen.observe(el);
})();
