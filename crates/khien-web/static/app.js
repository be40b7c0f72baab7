// Small progressive enhancements; every page works without JavaScript.
document.addEventListener('DOMContentLoaded', () => {
  // Ask before destructive actions.
  document.querySelectorAll('button.danger').forEach((b) => {
    b.addEventListener('click', (e) => {
      const msg = document.documentElement.lang === 'en' ? 'Delete this item?' : 'Xóa mục này?';
      if (!window.confirm(msg)) e.preventDefault();
    });
  });
  // Move focus to the first field with an error so keyboard users land on it.
  const bad = document.querySelector('.has-error input, .has-error select, .has-error textarea');
  if (bad) bad.focus();
});
