/** Theme: `system` follows the OS (prefers-color-scheme, in CSS); applied at once, remembered locally. */
export type ThemeChoice = 'SYSTEM' | 'LIGHT' | 'DARK';

export function applyTheme(theme: ThemeChoice) {
  const value = theme.toLowerCase();
  document.documentElement.dataset.theme = value;
  try {
    localStorage.setItem('tmates.theme', value);
  } catch {
    // no storage: the theme still applies for this tab
  }
}
