// The second step of `npm run build`: of the Bootstrap that Sass built (build/, not
// committed), keep only the rules whose classes and elements appear in what renders the
// debtor site: our templates, crispy-forms' Bootstrap 5 templates, the Python that names
// classes (form layouts, widgets) and our scripts (classes they toggle). A first visit's
// browser then reads and matches a fifth of the rules (docs/PERFORMANCE.md).
// tests/unit/test_bootstrap_build.py still fails on a class a template uses that is missing.
const site = "../.venv/lib/python3.11/site-packages";

module.exports = {
  css: ["build/bootstrap.full.css"],
  content: [
    "../templates/**/*.html",
    "../negotiation/**/*.py",
    "../static/js/*.js",
    `${site}/crispy_bootstrap5/**/*.{html,py}`,
    `${site}/crispy_forms/**/*.{html,py}`,
  ],
  output: "../static/vendor/bootstrap/bootstrap.min.css",
  safelist: {
    // A badge's colour is named in code (text-bg-{{ stage.tone }}); all eight are kept.
    standard: [/^text-bg-/],
  },
};
