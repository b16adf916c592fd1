<?php
// Router for `php -S`: serves /wiki/Title through index.php, as Wikimedia's short URLs do;
// every other path (/w/api.php, /w/index.php, /w/load.php, files) is served as is.
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if (strncmp($path, '/wiki/', 6) === 0) {
    $_GET['title'] = rawurldecode(substr($path, 6));
    $_SERVER['SCRIPT_NAME'] = '/w/index.php';
    $_SERVER['SCRIPT_FILENAME'] = $_SERVER['DOCUMENT_ROOT'] . '/w/index.php';
    chdir($_SERVER['DOCUMENT_ROOT'] . '/w');
    require 'index.php';
    return true;
}
if ($path === '/') {
    header('Location: /wiki/');
    return true;
}
return false;
