/* While "My engagement" is being gathered, ask for it in the background and show the page as
   soon as it is ready, or say that the wikis could not be reached. */
( function () {
	var status = document.getElementById( 'gathering' );
	fetch( status.dataset.source, { credentials: 'same-origin' } ).then( function ( response ) {
		if ( response.ok ) {
			window.location.reload();
			return;
		}
		throw new Error( response.status );
	} ).catch( function () {
		status.hidden = true;
		document.getElementById( 'gathering-failed' ).hidden = false;
	} );
}() );
