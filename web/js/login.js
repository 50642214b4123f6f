// Login page: Basic auth against /user/authentication, then back to where the visitor came from.

import {login} from './api.js';
import {renderHeader, showMessage, errorText} from './ui.js';

const form = document.getElementById('login-form');
const message = document.getElementById('login-message');
const submit = document.getElementById('login-submit');

// Only same-site pages are valid targets (no open redirect).
function nextPage() {
  const next = new URLSearchParams(location.search).get('next');
  if (next && next.startsWith('/') && !next.startsWith('//') && !next.includes('login.html')) {
    return next;
  }
  return 'index.html';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = form.login.value.trim();
  const password = form.password.value;
  if (!name || !password) {
    showMessage(message, 'Enter your login and password.');
    (name ? form.password : form.login).focus();
    return;
  }
  submit.disabled = true;
  showMessage(message, 'Logging in…', 'info');
  try {
    await login(name, password);
    location.href = nextPage();
  } catch (err) {
    showMessage(message, errorText(err));
    form.password.select();
    submit.disabled = false;
  }
});

renderHeader();
