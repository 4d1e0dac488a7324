// Self-assessment autosave: a refused save (409, someone else saved first) and an invalid
// value (422) carry the message and the choices to show, so htmx swaps them in like a success.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
