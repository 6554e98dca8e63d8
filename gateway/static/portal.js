/* The portal's page behaviour (no inline scripts): the error summary takes the
   focus, its links land on their field, drafts of long forms are kept and
   shown as unsaved, 提交 waits for them, attachment uploads show progress. */
(function () {
  'use strict';

  var DRAFT = 'draft:';
  var PENDING = 'draft-pending';

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  // --- the error summary and its links -------------------------------------
  function focusField(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.focus();
    if (el.scrollIntoView) el.scrollIntoView({block: 'center'});
    return true;
  }

  function summaryFocus() {
    var summary = document.getElementById('error-summary');
    if (location.hash && location.hash.length > 1 && focusField(decodeURIComponent(location.hash.slice(1)))) return;
    if (summary) summary.focus();
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('.error-summary a[href^="#"]');
    if (link && focusField(decodeURIComponent(link.getAttribute('href').slice(1)))) event.preventDefault();
  });

  // --- drafts: what was typed and not saved ----------------------------------
  function values(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== 'hidden' && el.type !== 'file' && el.type !== 'checkbox' && el.type !== 'submit') {
        out[el.name] = el.value;
      }
    });
    return out;
  }

  function differs(a, b) {
    return Object.keys(a).some(function (k) { return (b[k] || '') !== (a[k] || ''); });
  }

  function setValue(form, name, value) {
    var el = form.elements[name];
    if (!el || el.type === 'checkbox' || el.type === 'hidden') return false;
    if (el.classList && el.classList.contains('region-county')) {
      var wrap = el.closest('.region-picker'), city = wrap && wrap.querySelector('.region-city');
      if (city && value) { city.value = value.slice(0, 4) + '00'; city.dispatchEvent(new Event('change', {bubbles: true})); }
    }
    el.value = value;
    return el.value === value;
  }

  function markRestored(el) {
    var wrap = el.closest('.field');
    if (!wrap || wrap.classList.contains('restored')) return;
    wrap.classList.add('restored');
    var mark = document.createElement('span');
    mark.className = 'unsaved-mark';
    mark.textContent = '未保存';
    var label = wrap.querySelector('label');
    if (label) label.appendChild(mark);
  }

  function keepDrafts(form) {
    var s = store();
    if (!s) return;
    var key = DRAFT + location.pathname;
    var label = form.getAttribute('data-keep') || document.title;
    var initial = values(form);
    var leaving = false;
    // A page with red messages shows what 保存 refused: none of it is saved.
    var refused = form.hasAttribute('data-has-errors');
    if (s.getItem(PENDING) === key) s.removeItem(PENDING);  // the 保存 did not come back saved
    if (refused) {
      s.setItem(key, JSON.stringify({label: label, values: initial}));
      initial = {};
    } else {
      var saved = null;
      try { saved = JSON.parse(s.getItem(key) || 'null'); } catch (e) { s.removeItem(key); }
      var typed = saved && (saved.values || saved);
      if (typed && differs(typed, initial)) {
        var restored = [];
        Object.keys(typed).forEach(function (name) {
          if ((typed[name] || '') === (initial[name] || '')) return;
          if (setValue(form, name, typed[name])) restored.push(form.elements[name]);
        });
        restored.forEach(markRestored);
        if (restored.length) showBanner(form, key, restored.length, function () { leaving = true; });
        else s.removeItem(key);
      } else if (typed) {
        s.removeItem(key);
      }
    }
    form.addEventListener('input', function () { remember(); });
    form.addEventListener('change', function () { remember(); });
    function remember() {
      var now = values(form);
      if (refused || differs(now, initial)) s.setItem(key, JSON.stringify({label: label, values: now}));
      else s.removeItem(key);
    }
    form.addEventListener('submit', function () { leaving = true; s.setItem(PENDING, key); });
    window.addEventListener('beforeunload', function (event) {
      if (leaving || !(refused || differs(values(form), initial))) return undefined;
      event.preventDefault();
      event.returnValue = '本页有尚未保存的内容，确定离开吗？';
      return event.returnValue;
    });
  }

  function showBanner(form, key, count, onLeave) {
    var banner = document.getElementById('unsaved-banner');
    if (!banner) return;
    banner.querySelector('.unsaved-count').textContent = String(count);
    banner.hidden = false;
    banner.querySelector('.unsaved-save').addEventListener('click', function () {
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
    banner.querySelector('.unsaved-discard').addEventListener('click', function () {
      var s = store();
      if (s) s.removeItem(key);
      onLeave();
      location.replace(location.pathname);
    });
  }

  function clearSavedDraft() {
    var s = store();
    // the page a 保存 led to (gateway/notices.py: ?done=saved or application-saved)
    if (!s || !/[?&]done=(application-)?saved(&|$)/.test(location.search)) return;
    var key = s.getItem(PENDING);
    if (key) { s.removeItem(key); s.removeItem(PENDING); }
  }

  // --- 提交 waits until no section has unsaved restored values -----------------
  // [{label, path}] of the pages of this declaration with unsaved values
  function unsavedOf(prefix) {
    var s = store(), out = [];
    if (!s) return out;
    for (var i = 0; i < s.length; i += 1) {
      var k = s.key(i);
      if (k.indexOf(DRAFT + prefix) !== 0) continue;
      var label = '';
      try { label = (JSON.parse(s.getItem(k)) || {}).label || ''; } catch (e) { label = ''; }
      if (label) out.push({label: label, path: k.slice(DRAFT.length)});
    }
    return out;
  }

  function guardSubmit(box) {
    var prefix = box.getAttribute('data-submit-guard');
    var unsaved = unsavedOf(prefix);
    if (!unsaved.length) return;
    var list = box.querySelector('.unsaved-sections');
    list.textContent = '';
    unsaved.forEach(function (u, i) {
      if (i) list.appendChild(document.createTextNode('、'));
      var a = document.createElement('a');
      a.href = u.path;
      a.textContent = u.label;
      list.appendChild(a);
    });
    box.hidden = false;
    document.querySelectorAll('[data-submit]').forEach(function (el) {
      el.setAttribute('aria-describedby', 'unsaved-guard');
      var stop = function (event) { event.preventDefault(); box.focus(); };
      el.addEventListener('click', stop);
      if (el.form) el.form.addEventListener('submit', stop);
    });
  }

  // --- the session's idle warning (long forms) ----------------------------------
  function idleWarning(box) {
    var idle = parseInt(box.getAttribute('data-idle-seconds'), 10) || 1800;
    var warnAt = Math.max(idle - 120, 10) * 1000, timer;
    function arm() { clearTimeout(timer); box.hidden = true; timer = setTimeout(function () { box.hidden = false; }, warnAt); }
    box.querySelector('button').addEventListener('click', function () {
      fetch(box.getAttribute('data-keepalive'), {credentials: 'same-origin'}).then(function (r) {
        if (r.ok) { arm(); } else { box.textContent = '登录已失效，已填写的内容已保存在本浏览器，请重新登录后回到本页。'; }
      });
    });
    arm();
  }

  // --- attachment upload: size check and progress ------------------------------
  function uploads(form) {
    var input = form.querySelector('input[type=file]');
    var maxBytes = parseInt(form.getAttribute('data-max-bytes'), 10) || 0;
    var status = form.querySelector('.upload-status');
    var bar = form.querySelector('progress');
    function say(text, bad) {
      status.textContent = text;
      status.className = 'upload-status' + (bad ? ' field-error' : '');
    }
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (file && maxBytes && file.size > maxBytes) say(tooBig(file), true); else say('', false);
    });
    function tooBig(file) {
      return '文件“' + file.name + '”大小为' + (file.size / 1048576).toFixed(1) + 'MB，超过' +
        form.getAttribute('data-max-mb') + 'MB的上限，请压缩或拆分后再上传';
    }
    form.addEventListener('submit', function (event) {
      var file = input.files && input.files[0];
      if (!file) return;  // the server says what is missing
      if (maxBytes && file.size > maxBytes) { event.preventDefault(); say(tooBig(file), true); input.focus(); return; }
      if (!window.XMLHttpRequest || !window.FormData) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action || location.href);
      bar.hidden = false; bar.value = 0;
      say('正在上传……', false);
      xhr.upload.addEventListener('progress', function (e) {
        if (!e.lengthComputable) return;
        bar.value = Math.round(100 * e.loaded / e.total);
        say('正在上传 ' + bar.value + '%', false);
      });
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('X-Upload-Progress', '1');
      xhr.addEventListener('load', function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
        if (xhr.status < 300 && answer.redirect) { bar.value = 100; location.assign(answer.redirect); return; }
        bar.hidden = true;
        form.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
        var errors = answer.errors || {}, parts = Object.keys(errors).map(function (k) { return errors[k]; });
        say(parts.join('；') || answer.error || '上传失败，请稍后再试', true);
      });
      xhr.addEventListener('error', function () {
        bar.hidden = true;
        form.querySelectorAll('button').forEach(function (b) { b.disabled = false; });
        say('网络异常，上传失败，请重试', true);
      });
      form.querySelectorAll('button').forEach(function (b) { b.disabled = true; });
      xhr.send(new FormData(form));
    });
  }

  // --- 获取验证码: no code while any field of the form is in error (FAQ 2.5) ----
  var MOBILE = /^1[3-9][0-9]{9}$/;

  function fieldOf(form, name) {
    var el = form.querySelector('[name="' + name + '"]');
    return el ? el.closest('.field') : null;
  }

  function labelOf(wrap) {
    var label = wrap.querySelector('label');
    return label ? label.firstChild.textContent.trim() : '';
  }

  function showError(wrap, message) {
    if (!wrap) return;
    var old = wrap.querySelector('.field-error');
    if (old) old.remove();
    var input = wrap.querySelector('[name]:not([type=checkbox])') || wrap.querySelector('[name]');
    wrap.classList.add('has-error');
    var p = document.createElement('p');
    p.className = 'field-error';
    p.id = 'err-' + (input ? input.name : wrap.getAttribute('data-field'));
    p.textContent = message;
    wrap.insertBefore(p, input && input.parentNode === wrap ? input : wrap.querySelector('.region-picker') || input);
    if (input) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', p.id); }
  }

  function clearError(wrap) {
    var old = wrap.querySelector('.field-error');
    if (old) old.remove();
    wrap.classList.remove('has-error');
    wrap.querySelectorAll('[aria-invalid]').forEach(function (el) { el.removeAttribute('aria-invalid'); });
  }

  // The fields a user fills before asking for the code: those above it.
  function fieldsBefore(form, button) {
    var codeField = button.closest('.field');
    return Array.prototype.filter.call(form.querySelectorAll('.field[data-field]'), function (wrap) {
      return wrap !== codeField && (wrap.compareDocumentPosition(codeField) & Node.DOCUMENT_POSITION_FOLLOWING);
    });
  }

  function checkInPage(form, button) {
    var errors = {};
    var before = fieldsBefore(form, button);
    before.forEach(function (wrap) {
      var input = wrap.querySelector('[name]');
      if (!input) return;
      var value = (input.value || '').trim();
      if (!value && wrap.querySelector('.required')) errors[input.name] = '此项为必填项';
      else if (value && input.name === button.getAttribute('data-phone') && !MOBILE.test(value)) {
        errors[input.name] = '请填写11位中国大陆手机号码';
      }
    });
    var pw = form.querySelector('[name=password]'), pw2 = form.querySelector('[name=password2]');
    if (pw && pw2 && pw2.value && pw.value !== pw2.value && !errors.password2 &&
        before.indexOf(pw2.closest('.field')) >= 0) errors.password2 = '两次输入的密码不一致';
    var licence = form.querySelector('input[type=file][name=licence]');
    if (licence && licence.files && licence.files[0] && !/^image\/(jpeg|png)$/.test(licence.files[0].type)) {
      errors.licence = '请上传图片格式（JPG或PNG）的营业执照';
    }
    // a red message the user has not acted on still stands
    form.querySelectorAll('.field.has-error[data-field]').forEach(function (wrap) {
      var input = wrap.querySelector('[name]');
      if (!input || errors[input.name] || wrap === button.closest('.field')) return;
      var message = wrap.querySelector('.field-error');
      if (input.type !== 'file' && input.type !== 'checkbox' && input.value === input.defaultValue && message) {
        errors[input.name] = message.textContent;
      }
    });
    return {errors: errors, before: before};
  }

  function sendCode(button, event) {
    if (!window.fetch) return;  // the form posts itself instead
    event.preventDefault();
    var form = button.form, status = document.getElementById('code-status');
    var checked = checkInPage(form, button);
    checked.before.forEach(clearError);
    function refuse(errors) {
      var first = null;
      Object.keys(errors).forEach(function (name) {
        var wrap = fieldOf(form, name);
        if (!wrap) return;
        showError(wrap, errors[name]);
        var input = wrap.querySelector('[name]');
        if (input && input.type !== 'file') input.defaultValue = input.value;
        if (!first) first = wrap.querySelector('[name]');
      });
      var names = Object.keys(errors).map(function (name) {
        var wrap = fieldOf(form, name);
        return wrap ? labelOf(wrap) : '';
      }).filter(Boolean);
      status.textContent = '请先按红色提示修改' + (names.length ? '（' + names.join('、') + '）' : '') + '，再获取验证码';
      status.className = 'code-status field-error';
      if (first) first.focus();
    }
    if (Object.keys(checked.errors).length) { refuse(checked.errors); return; }
    var body = {purpose: button.getAttribute('data-purpose')};
    checked.before.forEach(function (wrap) {
      var input = wrap.querySelector('[name]');
      if (input && input.type !== 'file' && input.type !== 'checkbox') body[input.name] = input.value;
    });
    button.disabled = true;
    fetch(button.getAttribute('data-url'), {
      method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json',
                'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content},
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (j) { return [r.status, j]; }); })
      .then(function (res) {
        var j = res[1];
        if (res[0] === 200) {
          status.textContent = j.message;
          status.className = 'code-status';
          var left = 60;
          var tick = setInterval(function () {
            left -= 1; button.textContent = left + '秒后可重新获取';
            if (left <= 0) { clearInterval(tick); button.disabled = false; button.textContent = '获取验证码'; }
          }, 1000);
          return;
        }
        button.disabled = false;
        if (j.errors && Object.keys(j.errors).length) { refuse(j.errors); return; }
        status.textContent = j.error || '获取验证码失败，请稍后再试';
        status.className = 'code-status field-error';
      }).catch(function () {
        button.disabled = false;
        status.textContent = '系统繁忙，请稍后再试'; status.className = 'code-status field-error';
      });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('button.send-code[data-url]');
    if (button) sendCode(button, event);
  });

  function start() {
    clearSavedDraft();
    document.querySelectorAll('form[data-keep]').forEach(keepDrafts);
    document.querySelectorAll('[data-submit-guard]').forEach(guardSubmit);
    document.querySelectorAll('form[data-upload]').forEach(uploads);
    document.querySelectorAll('#idle-warning[data-idle-seconds]').forEach(idleWarning);
    summaryFocus();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
