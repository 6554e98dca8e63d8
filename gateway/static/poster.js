/* The poster's 打印 button opens the browser's print dialog. */
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    if (event.target.closest && event.target.closest('[data-print]')) window.print();
  });
})();
