// New request form: as the add-on, plan, feature, quantity or days change, fetch what the request would change and
// cost (?handler=Preview) and swap in only that part. Nothing else on the page is touched, so focus stays where it
// is and the justification already typed is kept; a select changed with the arrow keys does not submit or reload.
// Without script the form's "Preview" button posts the form back with everything kept.
(function () {
    "use strict";
    var form = document.querySelector("form[data-preview-url]");
    var target = document.getElementById("request-preview");
    if (!form || !target || !window.fetch) return;
    var button = form.querySelector("[data-preview-button]");
    if (button) button.hidden = true;

    var map = { Kind: "kind", AddOnCode: "code", PlanCode: "code", FeatureHandle: "feature", Quantity: "quantity", DurationDays: "days", Amount: "amount", ExtendsGrantId: "extends" };
    var sequence = 0, timer = null;

    function refresh() {
        var params = new URLSearchParams({ handler: "Preview" });
        Object.keys(map).forEach(function (field) {
            var input = form.elements.namedItem(field);
            if (input && input.value) params.set(map[field], input.value);
        });
        var mine = ++sequence;
        target.setAttribute("aria-busy", "true");
        fetch(window.location.pathname + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
            .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
            .then(function (html) {
                if (mine !== sequence) return; // an answer to an older value arrived late
                var confirm = form.elements.namedItem("ConfirmDowngrade");
                var confirmed = confirm && confirm.type === "checkbox" && confirm.checked;
                target.innerHTML = html;
                var again = form.elements.namedItem("ConfirmDowngrade");
                if (confirmed && again && again.type === "checkbox") again.checked = true;
                target.setAttribute("data-for", params.toString());
            })
            .catch(function () { if (button) button.hidden = false; })
            .finally(function () { if (mine === sequence) target.removeAttribute("aria-busy"); });
    }

    form.addEventListener("input", function (e) {
        if (!e.target.name || !(e.target.name in map)) return;
        clearTimeout(timer);
        timer = setTimeout(refresh, e.target.tagName === "SELECT" ? 0 : 200);
    });
})();
