/* While "My engagement" waits for its report, ask the tool how far it is and say so; show the
   page as soon as the report is there, or say why it could not be gathered. */
( function () {
	var progress = document.getElementById( 'gathering' );
	var UNDER_WAY = [ 'waiting', 'gathering', 'retrying' ];

	function failed( message ) {
		progress.hidden = true;
		document.getElementById( 'failed-message' ).textContent = message;
		document.getElementById( 'gathering-failed' ).hidden = false;
	}

	function poll() {
		fetch( progress.dataset.source, { credentials: 'same-origin' } ).then( function ( response ) {
			if ( !response.ok ) {
				throw new Error( response.status );
			}
			return response.json();
		} ).then( function ( answer ) {
			if ( answer.status === 'failed' ) {
				failed( answer.message );
			} else if ( UNDER_WAY.indexOf( answer.status ) === -1 ) {
				window.location.reload(); // done, or nothing asked: the page shows or asks
			} else {
				document.getElementById( 'gathering-message' ).textContent = answer.message;
				window.setTimeout( poll, 2000 );
			}
		} ).catch( function () {
			// The tool did not answer (a restart, a limit): the report goes on; ask later.
			window.setTimeout( poll, 5000 );
		} );
	}

	if ( !progress.hidden ) {
		window.setTimeout( poll, 1000 );
	}
}() );
