// Material for MkDocs draws each Mermaid diagram as wide as the page column, scaling
// a wider diagram down to fit; a wide one would shrink its labels until they cannot be
// read. Give every diagram a minimum width of MIN_SCALE times its natural width: above
// it, a diagram still shrinks to fit; below it, it keeps a readable size and its box
// scrolls sideways (see extra.css). Loaded after Mermaid, before Material renders.
(function () {
  var MIN_SCALE = 0.75;   // 16 px labels never below 12 px, 14 px edge labels above 10 px
  if (!window.mermaid || typeof window.mermaid.render !== "function") return;
  var render = window.mermaid.render.bind(window.mermaid);
  window.mermaid.render = function () {
    return render.apply(null, arguments).then(function (out) {
      out.svg = out.svg.replace(/style="max-width: ([\d.]+)px;"/, function (all, width) {
        var least = Math.round(parseFloat(width) * MIN_SCALE);
        return 'style="max-width: ' + width + "px; min-width: " + least + 'px;"';
      });
      return out;
    });
  };
})();
