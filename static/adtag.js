/*
 * Ad Platform async tag.
 *
 *   <ins class="adp-zone" data-zone="ZONE_UUID" data-width="300" data-height="250"></ins>
 *   <script async src="https://ads.example.com/static/adtag.js"></script>
 *
 * Finds every <ins data-zone> on the page, asks the serve endpoint for an ad, renders it
 * without ever injecting advertiser text as HTML (html creatives go into a sandboxed iframe),
 * fires the impression once the ad is in the page, and reports viewability (50 % of the ad
 * in view for 1 s, 2 s for video) when the server asks for it.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script && script.getAttribute("data-server")) ||
    (script ? new URL(script.src, location.href).origin : location.origin);
  var UID_KEY = "adp_uid";

  function uid() {
    try {
      var v = localStorage.getItem(UID_KEY);
      if (!v) {
        v = (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
        localStorage.setItem(UID_KEY, v);
      }
      return v;
    } catch (e) {
      return "";
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== "") node.setAttribute(k, attrs[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function ping(url) {
    if (!url) return;
    var img = new Image(1, 1);
    img.referrerPolicy = "no-referrer-when-downgrade";
    img.src = url;
  }

  function link(ad) {
    return el("a", { href: ad.click_url, target: "_blank", rel: "noopener sponsored nofollow" });
  }

  var renderers = {
    banner: function (ad) {
      var a = link(ad);
      a.appendChild(el("img", {
        src: ad.image_url, width: ad.width, height: ad.height, alt: ad.headline || "Advertisement",
        style: "display:block;border:0",
      }));
      return a;
    },
    text: function (ad) {
      var box = el("div", { "class": "adp-text" });
      var a = link(ad);
      a.appendChild(el("strong", {}, ad.headline));
      box.appendChild(a);
      if (ad.body) box.appendChild(el("p", {}, ad.body));
      box.appendChild(el("small", { "class": "adp-label" }, "Ad"));
      return box;
    },
    native: function (ad) {
      var box = el("div", { "class": "adp-native" });
      var a = link(ad);
      if (ad.image_url) a.appendChild(el("img", { src: ad.image_url, alt: "", style: "max-width:100%" }));
      a.appendChild(el("strong", {}, ad.headline));
      box.appendChild(a);
      if (ad.body) box.appendChild(el("p", {}, ad.body));
      if (ad.call_to_action) {
        var cta = link(ad);
        cta.className = "adp-cta";
        cta.textContent = ad.call_to_action;
        box.appendChild(cta);
      }
      box.appendChild(el("small", { "class": "adp-label" }, ad.sponsor ? "Sponsored by " + ad.sponsor : "Sponsored"));
      return box;
    },
    html: function (ad) {
      // The creative runs in an opaque origin: no access to the publisher's page or cookies.
      var frame = el("iframe", {
        sandbox: "allow-scripts allow-popups allow-popups-to-escape-sandbox",
        width: ad.width, height: ad.height, frameborder: "0", scrolling: "no",
        title: "Advertisement", style: "border:0",
      });
      frame.srcdoc = ad.html || "";
      return frame;
    },
    video: function (ad) {
      var video = el("video", {
        src: ad.video_url, width: ad.width, height: ad.height, controls: "controls", muted: "muted",
        playsinline: "playsinline", preload: "metadata",
      });
      video.muted = true;
      video.addEventListener("click", function () { window.open(ad.click_url, "_blank", "noopener"); });
      return video;
    },
  };

  function watchViewability(node, ad) {
    if (!ad.viewable_url || !("IntersectionObserver" in window)) return;
    var needed = ad.type === "video" ? 2000 : 1000;
    var timer = null;
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.intersectionRatio >= 0.5) {
          if (!timer) timer = setTimeout(function () { observer.disconnect(); ping(ad.viewable_url); }, needed);
        } else if (timer) {
          clearTimeout(timer);
          timer = null;
        }
      });
    }, { threshold: [0, 0.5, 1] });
    observer.observe(node);
  }

  function fill(slot) {
    if (slot.getAttribute("data-adp-status")) return;
    slot.setAttribute("data-adp-status", "loading");
    var params = new URLSearchParams();
    params.set("uid", uid());
    ["device", "country", "region", "browser", "os"].forEach(function (k) {
      var v = slot.getAttribute("data-" + k);
      if (v) params.set(k, v);
    });
    fetch(base + "/api/v1/serve/" + encodeURIComponent(slot.getAttribute("data-zone")) + "?" + params, {
      credentials: "omit",
      cache: "no-store",
    })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        var ad = body && body.data && body.data.ad;
        var render = ad && renderers[ad.type];
        if (!render) {
          slot.setAttribute("data-adp-status", "empty");
          return;
        }
        var node = render(ad);
        slot.textContent = "";
        slot.style.display = "inline-block";
        slot.appendChild(node);
        slot.setAttribute("data-adp-status", "filled");
        slot.setAttribute("data-adp-ad", ad.uuid);
        ping(ad.impression_url);
        watchViewability(slot, ad);
      })
      .catch(function () { slot.setAttribute("data-adp-status", "error"); });
  }

  function scan() {
    var slots = document.querySelectorAll("ins[data-zone]");
    for (var i = 0; i < slots.length; i++) fill(slots[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
  window.adplatform = { refresh: scan };
})();
