/* Questions that depend on an answer on the same page: show each one only while that answer asks for it.

   Without this script every such question is shown (with a note that it may not apply), and the server
   decides when the page is saved; so this only tidies the page as the teacher answers. The server marks each
   dependent question with its condition (data-show-if, the definition's `show_if` as JSON) and the earlier
   answers it reads (data-known); this file judges a condition as forms/conditions.py does. */
(function () {
  "use strict";

  function isAnswered(value) {
    return !(value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0));
  }

  function asNumber(value) {
    if (typeof value === "boolean" || value === null || value === undefined) return null;
    if (typeof value === "number") return value;
    var text = String(value).trim();
    if (text === "") return null;
    var number = Number(text);
    return isNaN(number) ? null : number;
  }

  function same(value, expected) {
    if (typeof expected === "boolean" || typeof value === "boolean") {
      return value === expected || String(value).toLowerCase() === String(expected).toLowerCase();
    }
    if (typeof expected === "number" && asNumber(value) !== null) return asNumber(value) === expected;
    return String(value) === String(expected);
  }

  function holds(condition, answerOf) {
    if (!condition) return true;
    if (condition.all) return condition.all.every(function (part) { return holds(part, answerOf); });
    if (condition.any) return condition.any.some(function (part) { return holds(part, answerOf); });
    if (condition.not) return !holds(condition.not, answerOf);
    var value = answerOf(condition.question);
    var answered = isAnswered(value);
    if ("answered" in condition) return answered === condition.answered;
    if ("not_equals" in condition) return !answered || !same(value, condition.not_equals);
    if (!answered) return false;
    if ("equals" in condition) return same(value, condition.equals);
    if ("in" in condition) return condition["in"].some(function (option) { return same(value, option); });
    if ("includes" in condition) return Array.isArray(value) && value.indexOf(condition.includes) >= 0;
    var number = asNumber(value);
    if (number === null) return false;
    if ("gt" in condition) return number > condition.gt;
    if ("gte" in condition) return number >= condition.gte;
    if ("lt" in condition) return number < condition.lt;
    if ("lte" in condition) return number <= condition.lte;
    return false;
  }

  /* The answer the page holds now for one answer id, shaped as the server stores it. */
  function pageAnswer(form, id) {
    var question = form.querySelector('[data-answers~="' + id + '"]');
    if (!question) return undefined;
    var type = question.getAttribute("data-type");
    if (type === "ranking") {
      return Array.prototype.filter.call(form.querySelectorAll('select[name^="' + id + '-rank_"]'),
        function (select) { return select.value !== ""; }).map(function (select) { return select.value; });
    }
    var fields = Array.prototype.slice.call(form.querySelectorAll('[name="' + id + '"]'));
    if (!fields.length) return undefined;
    if (type === "multi_choice") {
      return fields.filter(function (f) { return f.checked; }).map(function (f) { return f.value; });
    }
    if (type === "consent") return fields[0].checked ? true : undefined;
    if (fields[0].type === "radio") {
      var picked = fields.filter(function (f) { return f.checked; })[0];
      if (!picked) return undefined;
      return type === "likert" ? Number(picked.value) : picked.value;
    }
    return fields[0].value.trim();
  }

  function update(form, dependents) {
    dependents.forEach(function (question) {
      var known = JSON.parse(question.getAttribute("data-known") || "{}");
      var condition = JSON.parse(question.getAttribute("data-show-if"));
      question.hidden = !holds(condition, function (id) {
        return Object.prototype.hasOwnProperty.call(known, id) ? known[id] : pageAnswer(form, id);
      });
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    var dependents = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
    if (!dependents.length) return;
    var refresh = function () { update(form, dependents); };
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
  });
})();
