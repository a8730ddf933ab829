"""Static files as production serves them: hashed names, compressed copies, cached for a year."""

from servestatic.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Also rewrites the `import ... from "./x.js"` lines of ES modules to the hashed names, so a
    page's modules are cached together and change together, and the `<link rel="modulepreload">`
    tags (which `{% static %}` hashes) name the very files the imports load.
    https://docs.djangoproject.com/en/5.2/ref/contrib/staticfiles/#django.contrib.staticfiles.storage.ManifestStaticFilesStorage.support_js_module_import_aggregation
    """

    support_js_module_import_aggregation = True
