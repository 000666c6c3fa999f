// MathJax 3 configuration for pymdownx.arithmatex (generic mode): typeset only the
// elements arithmatex marks (\( … \) inline, \[ … \] display); the labs' $ … $
// math is marked the same way when the site is built. It must load before MathJax
// itself. Pages load in full (no instant navigation), so MathJax's own
// typeset-on-startup is all a page needs.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
  },
};
