// The panels' one script (Content-Security-Policy: no inline scripts): a confirmation before a
// form marked data-confirm is sent, a print button marked data-print, and a select marked
// data-submit-on-change that sends its form when chosen.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    window.print();
  }
});
document.addEventListener("change", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-submit-on-change") && event.target.form) {
    event.target.form.submit();
  }
});
