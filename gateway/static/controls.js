/* Small controls of every page (no inline handlers, the Content-Security-Policy
   forbids them):
   - a help icon (button.help-icon[aria-controls]) shows or hides its help text;
   - a form with data-confirm asks its question before it is sent;
   - a region picker fills the county list when a city is picked (also when
     a script sets the city and sends it a change event). */
(function () {
  'use strict';

  document.addEventListener('click', function (event) {
    var icon = event.target.closest && event.target.closest('button.help-icon[aria-controls]');
    if (!icon) return;
    var help = document.getElementById(icon.getAttribute('aria-controls'));
    if (help) {
      help.hidden = !help.hidden;
      icon.setAttribute('aria-expanded', String(!help.hidden));
    }
  });

  // capture: the question comes before any other handler of the form
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function fillCounties(citySelect) {
    var wrap = citySelect.closest('.region-picker'), regions = JSON.parse(wrap.getAttribute('data-regions'));
    var county = wrap.querySelector('.region-county');
    county.textContent = '';
    var none = document.createElement('option');
    none.value = ''; none.textContent = '请选择区县'; county.appendChild(none);
    regions.forEach(function (c) {
      if (c.code !== citySelect.value) return;
      c.counties.forEach(function (k) {
        var o = document.createElement('option'); o.value = k.code; o.textContent = k.name; county.appendChild(o);
      });
    });
  }

  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('.region-picker select.region-city')) fillCounties(event.target);
  });
})();
