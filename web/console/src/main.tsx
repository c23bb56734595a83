/**
 * Entry point of the on-call console bundle: styles, the saved theme (before the first paint, so a
 * dark-mode user at 3 a.m. is not flashed with white), then the app.
 */
import '@picocss/pico/css/pico.min.css';
import './frame.css';
import './pages.css';
import { render } from 'preact';
import { App } from './app.tsx';
import { applyTheme, storedTheme } from './header.tsx';

applyTheme(storedTheme());
const root = document.getElementById('app');
if (root) render(<App />, root);
