/* The tenant intake on one page (templates/intake/start.html).
 *
 * The start, every step and the summary are parts of one page; this shows
 * one part at a time, checks that the required fields of a step are filled
 * before the next, draws the summary from what was typed, and keeps every
 * value and the open part in the phone's storage, so a reload (or WeChat
 * closed and opened again) loses nothing. The form goes to the server once,
 * at 确认提交, where every step is checked in full; a problem comes back on
 * the same page with the failing step open (data-open).
 *
 * The done page clears the storage of its link (data-clear). */
(function () {
  'use strict';

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function read(key) {
    var store = storage();
    if (!store) return null;
    try { return JSON.parse(store.getItem(key) || 'null'); } catch (e) { return null; }
  }

  function write(key, value) {
    var store = storage();
    if (!store) return;
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or refused: the page still works */ }
  }

  function clearDone() {
    var done = document.getElementById('intake-done');
    var store = storage();
    if (done && store) {
      try { store.removeItem(done.getAttribute('data-clear')); } catch (e) { /* nothing kept */ }
    }
  }

  function fieldValue(field) {
    var boxes = field.querySelectorAll('input[type=checkbox]');
    if (boxes.length) {
      return Array.prototype.filter.call(boxes, function (b) { return b.checked; })
        .map(function (b) { return b.value; });
    }
    var control = field.querySelector('input, select, textarea');
    return control ? control.value : '';
  }

  function setFieldValue(field, value) {
    var boxes = field.querySelectorAll('input[type=checkbox]');
    if (boxes.length) {
      boxes.forEach(function (b) { b.checked = Array.isArray(value) && value.indexOf(b.value) >= 0; });
      return;
    }
    var control = field.querySelector('input, select, textarea');
    if (control && typeof value === 'string') control.value = value;
  }

  function isBlank(value) {
    return Array.isArray(value) ? value.length === 0 : String(value).trim() === '';
  }

  function Intake(root) {
    this.root = root;
    this.form = document.getElementById('intake-form');
    this.key = root.getAttribute('data-storage');
    this.required = root.getAttribute('data-required-message') || '此项为必填项';
    this.parts = Array.prototype.slice.call(root.querySelectorAll('.intake-part'));
  }

  Intake.prototype.fields = function (scope) {
    return Array.prototype.slice.call((scope || this.form).querySelectorAll('.field[data-field]'));
  };

  Intake.prototype.part = function (name) {
    return this.root.querySelector('.intake-part[data-part="' + name + '"]');
  };

  Intake.prototype.save = function (open) {
    var values = {};
    this.fields().forEach(function (field) { values[field.getAttribute('data-field')] = fieldValue(field); });
    var kept = read(this.key) || {};
    write(this.key, {values: values, open: open || kept.open || ''});
  };

  Intake.prototype.restore = function () {
    var kept = read(this.key);
    if (!kept || !kept.values) return '';
    this.fields().forEach(function (field) {
      var name = field.getAttribute('data-field');
      if (Object.prototype.hasOwnProperty.call(kept.values, name)) setFieldValue(field, kept.values[name]);
    });
    return kept.open || '';
  };

  Intake.prototype.show = function (name) {
    var target = this.part(name);
    if (!target) return;
    this.parts.forEach(function (p) { p.hidden = p !== target; });
    if (name === 'summary') this.drawSummary();
    this.save(name);
    var heading = target.querySelector('h1');
    window.scrollTo(0, 0);
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  };

  Intake.prototype.markError = function (field, message) {
    var name = field.getAttribute('data-field');
    var control = field.querySelector('input, select, textarea');
    var note = document.createElement('p');
    note.className = 'field-error';
    note.id = 'err-' + name;
    note.textContent = message;
    field.classList.add('has-error');
    field.insertBefore(note, control && control.closest('label.inline') ? control.closest('label.inline') : control);
    if (control) control.setAttribute('aria-invalid', 'true');
  };

  Intake.prototype.clearErrors = function (part) {
    part.querySelectorAll('.field-error').forEach(function (note) { note.remove(); });
    part.querySelectorAll('.has-error').forEach(function (field) { field.classList.remove('has-error'); });
    part.querySelectorAll('[aria-invalid]').forEach(function (control) { control.removeAttribute('aria-invalid'); });
  };

  /* The required fields of a step: filled, or marked with the message and listed above. */
  Intake.prototype.checkStep = function (part) {
    var self = this, missing = [];
    this.clearErrors(part);
    this.fields(part).forEach(function (field) {
      if (field.querySelector('.required') && isBlank(fieldValue(field))) {
        self.markError(field, self.required);
        missing.push(field);
      }
    });
    var box = part.querySelector('.step-errors');
    box.textContent = '';
    box.hidden = missing.length === 0;
    if (!missing.length) return true;
    var title = document.createElement('h2');
    title.textContent = '请填写标红的必填项后再继续';
    var list = document.createElement('ul');
    missing.forEach(function (field) {
      var item = document.createElement('li'), link = document.createElement('a');
      link.href = '#f-' + field.getAttribute('data-field');
      link.textContent = field.querySelector('label').firstChild.textContent + '：' + self.required;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
    box.focus();
    return false;
  };

  Intake.prototype.drawSummary = function () {
    var self = this;
    this.root.querySelectorAll('[data-summary]').forEach(function (group) {
      var list = group.querySelector('dl.answers');
      list.textContent = '';
      self.fields(self.part(group.getAttribute('data-summary'))).forEach(function (field) {
        var label = field.querySelector('label'), value = fieldValue(field);
        var holder = field.closest('[data-unit]'), unit = holder ? holder.getAttribute('data-unit') : '';
        var text = Array.isArray(value) ? (value.length ? value.join('、') : '无')
          : (isBlank(value) ? '未填写' : (value + (unit ? ' ' + unit : '')));
        var term = document.createElement('dt'), detail = document.createElement('dd');
        term.textContent = label.firstChild.textContent;
        detail.textContent = text;
        list.appendChild(term);
        list.appendChild(detail);
      });
    });
  };

  Intake.prototype.bind = function () {
    var self = this;
    this.root.addEventListener('click', function (event) {
      var go = event.target.closest('[data-go]'), next = event.target.closest('[data-next]');
      if (go) {
        event.preventDefault();
        self.show(go.getAttribute('data-go'));
        var anchor = go.getAttribute('href');
        if (anchor && anchor.charAt(0) === '#') {
          var control = document.querySelector(anchor);
          if (control) control.focus();
        }
      } else if (next) {
        event.preventDefault();
        if (self.checkStep(next.closest('.intake-part'))) self.show(next.getAttribute('data-next'));
      }
    });
    this.form.addEventListener('input', function () { self.save(); });
    this.form.addEventListener('change', function () { self.save(); });
    this.form.addEventListener('keydown', function (event) {
      // Enter in a step's field means 下一步, not 确认提交.
      var part = event.target.closest('.intake-step');
      if (event.key === 'Enter' && part && event.target.tagName === 'INPUT') {
        event.preventDefault();
        part.querySelector('[data-next]').click();
      }
    });
    this.form.addEventListener('submit', function () {
      var button = self.form.querySelector('button[type=submit]');
      if (button) setTimeout(function () { button.disabled = true; }, 0);  // one press is enough
    });
  };

  function start() {
    clearDone();
    var root = document.getElementById('intake');
    if (!root || !document.getElementById('intake-form')) return;
    var intake = new Intake(root);
    intake.bind();
    var opened = root.getAttribute('data-open');
    if (opened) {
      intake.show(opened);  // the server's answer to 确认提交: what it posted is on the page
    } else {
      var kept = intake.restore();
      if (kept && kept !== 'start') intake.show(kept);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
