
(function(){
function key(td,kind){if(kind==="num"){var v=td.getAttribute("data-v");
return v===null||v===""?-Infinity:parseFloat(v);}return td.textContent.toLowerCase();}
document.querySelectorAll("table.sortable").forEach(function(t){
t.querySelectorAll("th").forEach(function(th,i){th.addEventListener("click",function(){
var kind=th.getAttribute("data-sort"),dir=th.getAttribute("data-dir")==="asc"?"desc":"asc";
t.querySelectorAll("th").forEach(function(h){h.removeAttribute("data-dir");});
th.setAttribute("data-dir",dir);var tb=t.tBodies[0],rows=Array.from(tb.rows),s=dir==="asc"?1:-1;
rows.sort(function(a,b){var x=key(a.cells[i],kind),y=key(b.cells[i],kind);
return x<y?-s:x>y?s:0;});rows.forEach(function(r){tb.appendChild(r);});});});});
var f=document.getElementById("move-filter"),c=document.getElementById("move-count"),
m=document.getElementById("moves");
function count(){if(!m||!c)return;var n=0,rows=m.tBodies[0].rows;
for(var i=0;i<rows.length;i++){if(rows[i].style.display!=="none")n++;}
c.textContent=n.toLocaleString("en")+" of "+c.getAttribute("data-total")+" moves shown";}
if(f&&m){f.addEventListener("input",function(){var q=f.value.toLowerCase(),rows=m.tBodies[0].rows;
for(var i=0;i<rows.length;i++){rows[i].style.display=
rows[i].textContent.toLowerCase().indexOf(q)>=0?"":"none";}count();});}
count();document.body.setAttribute("data-ready","1");
})();
