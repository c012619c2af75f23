// The periodic task admin page (django-celery-beat): shows the chosen crontab in
// words under the crontab field. Moved out of the page for the content security policy.
(function ($) {
  "use strict";
  var readableCrontabs = JSON.parse($("#readable-crontabs").text());
  var originalCrontabHelp = JSON.parse($("#crontab-help").text());
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var additional = readableCrontabs[$("#id_crontab").val()];
    $(".field-crontab .help").text(originalCrontabHelp).append("<br>", document.createTextNode("Translation: " + additional));
  });
})(django.jQuery);
