// A Print button where a page asks for one (backup codes); without JavaScript the browser's own
// Print command does the same, so the button stays hidden.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});
